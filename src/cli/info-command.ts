import type { Command } from 'commander';

import { nativeInfo } from '../info.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the version, the SIMD level detected at run time and the OpenMP threads')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const info = nativeInfo();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const lines = [
        `spikegrad ${info.version} (Node ${info.node})`,
        `simd:    ${info.simd}${info.simd !== info.simdBest ? ` (CPU supports ${info.simdBest}; lowered by SPIKEGRAD_SIMD)` : ''}`,
        `threads: ${info.threads}${info.openmp ? ' (OpenMP)' : ' (built without OpenMP: one thread)'}`,
        `build:   ${info.marchNative ? '-march=native' : 'portable (runtime dispatch)'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
