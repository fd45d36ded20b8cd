import { existsSync } from 'node:fs';

import type { Command } from 'commander';

import { HDF5_ADDON } from '../data/export-h5.js';
import { MPI_ADDON } from '../distributed/mpi.js';
import { nativeInfo } from '../info.js';
import { optionalAddonFile } from '../util/optional-addon.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the version, the SIMD level detected at run time, the OpenMP threads and the optional addons built')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      // The optional addons are only looked for here, not loaded (MPI's would load the MPI library).
      const addons = { mpi: existsSync(optionalAddonFile(MPI_ADDON)), hdf5Export: existsSync(optionalAddonFile(HDF5_ADDON)) };
      const info = { ...nativeInfo(), optionalAddons: addons };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const lines = [
        `spikegrad ${info.version} (Node ${info.node})`,
        `simd:    ${info.simd}${info.simd !== info.simdBest ? ` (CPU supports ${info.simdBest}; lowered by SPIKEGRAD_SIMD)` : ''}`,
        `threads: ${info.threads}${info.openmp ? ' (OpenMP)' : ' (built without OpenMP: one thread)'}`,
        `build:   ${info.marchNative ? '-march=native' : 'portable (runtime dispatch)'}`,
        `addons:  mpi ${addons.mpi ? 'built' : 'missing (built only where an MPI library is found)'}, hdf5 export ${addons.hdf5Export ? 'built' : 'missing (built only where libhdf5 is found)'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
