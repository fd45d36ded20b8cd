import { existsSync, statSync } from 'node:fs';

import type { Command } from 'commander';

import { FIGURES, writeReport } from '../report/report.js';
import { isRunDirectory, writeRunReport } from '../report/run-report.js';

interface ReportFlags {
  out?: string;
  figures?: string;
  cacheDir?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report <store-or-run>')
    .description(
      'draw the figures the sweeps in a results store ask for (SVG, PNG and CSV of the numbers) and trials.csv; or, for a run ' +
        'directory (spikegrad train --out), its learning curves and rasters before and after training',
    )
    .option('--out <dir>', 'output directory (default: report, or RUN_DIR/report for a run)')
    .option('--figures <names>', `comma-separated subset of: ${FIGURES.map((f) => f.name).join(', ')}`)
    .option('--cache-dir <dir>', 'dataset cache directory (rasters run the trained networks on test data)')
    .action(async (storeFile: string, flags: ReportFlags) => {
      if (!existsSync(storeFile)) throw new Error(`${storeFile}: no such results store or run directory (spikegrad sweep and spikegrad train write them)`);
      if (statSync(storeFile).isDirectory()) {
        if (!isRunDirectory(storeFile)) throw new Error(`${storeFile}: a directory without checkpoint.sgck is neither a run directory nor a results store`);
        const { files } = await writeRunReport(storeFile, { out: flags.out, cacheDir: flags.cacheDir, log: (m) => process.stderr.write(`${m}\n`) });
        for (const f of files) process.stdout.write(`wrote ${f}\n`);
        return;
      }
      const out = flags.out ?? 'report';
      const summary = await writeReport(storeFile, {
        out,
        figures: flags.figures?.split(',').map((s) => s.trim()),
        cacheDir: flags.cacheDir,
        log: (m) => process.stderr.write(`${m}\n`),
      });
      for (const f of summary.figures) process.stdout.write(`${f.name}: ${f.files.join(', ')}\n`);
      for (const s of summary.skipped) process.stdout.write(`${s.name}: skipped (${s.reason})\n`);
      process.stdout.write(`${summary.trials} trials in ${storeFile}; trials.csv in ${out}\n`);
      for (const t of summary.failed) process.stdout.write(`failed trial ${t.id} (${t.sweep}) after ${t.attempts} attempt(s): ${t.error}\n`);
    });
}
