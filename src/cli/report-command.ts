import { existsSync } from 'node:fs';

import type { Command } from 'commander';

import { FIGURES, writeReport } from '../report/report.js';

interface ReportFlags {
  out: string;
  figures?: string;
  cacheDir?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report <store>')
    .description('draw the figures the sweeps in a results store ask for (SVG, PNG and CSV of the numbers), and trials.csv')
    .option('--out <dir>', 'output directory', 'report')
    .option('--figures <names>', `comma-separated subset of: ${FIGURES.map((f) => f.name).join(', ')}`)
    .option('--cache-dir <dir>', 'dataset cache directory (rasters run the trained networks on test data)')
    .action(async (storeFile: string, flags: ReportFlags) => {
      if (!existsSync(storeFile)) throw new Error(`${storeFile}: no such results store (spikegrad sweep writes one)`);
      const summary = await writeReport(storeFile, {
        out: flags.out,
        figures: flags.figures?.split(',').map((s) => s.trim()),
        cacheDir: flags.cacheDir,
        log: (m) => process.stderr.write(`${m}\n`),
      });
      for (const f of summary.figures) process.stdout.write(`${f.name}: ${f.files.join(', ')}\n`);
      for (const s of summary.skipped) process.stdout.write(`${s.name}: skipped (${s.reason})\n`);
      process.stdout.write(`${summary.trials} trials in ${storeFile}; trials.csv in ${flags.out}\n`);
      for (const t of summary.failed) process.stdout.write(`failed trial ${t.id} (${t.sweep}) after ${t.attempts} attempt(s): ${t.error}\n`);
    });
}
