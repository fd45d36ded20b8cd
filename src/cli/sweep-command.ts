import { existsSync } from 'node:fs';

import cliProgress from 'cli-progress';
import type { Command } from 'commander';

import { loadSweepSpec, runSweep, storePathFor, type SweepOptions } from '../sweep/run-sweep.js';
import { expandTrials, type Trial } from '../sweep/spec.js';
import { ResultStore } from '../sweep/store.js';
import { positiveInteger } from './parse-flags.js';
import type { ProgressMode } from './progress.js';

/** The flags are the sweep's options (less the callbacks) plus how to show progress. */
type SweepFlags = Pick<SweepOptions, 'store' | 'dir' | 'queue' | 'queueName' | 'parallel' | 'threads' | 'cacheDir'> & {
  progress: ProgressMode;
  dryRun?: boolean;
};

const label = (t: Trial) => Object.entries(t.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || 'base';

export function registerSweep(program: Command): void {
  program
    .command('sweep <spec>')
    .description('run every trial of a sweep spec (YAML/JSON grid or list over config fields); re-running skips finished trials')
    .option('--store <file>', "SQLite results file (default: the spec's store, else results/<name>.sqlite)")
    .option('--dir <dir>', 'directory for the trial runs (default: <store>-trials/<name>)')
    .option('--queue <url>', 'run through a BullMQ queue on Redis (redis://host:port) with spikegrad worker processes')
    .option('--queue-name <name>', 'BullMQ queue name', 'spikegrad-trials')
    .option('--parallel <n>', 'trials at once on this machine (default: fill the cores)', positiveInteger)
    .option('--threads <n>', 'OpenMP threads per trial (default: cores / parallel trials)', positiveInteger)
    .option('--cache-dir <dir>', 'dataset cache directory')
    .option('--progress <mode>', 'auto, bar, lines or none', 'auto')
    .option('--dry-run', 'list the trials and their status without running anything')
    .action(async (specFile: string, flags: SweepFlags) => {
      if (!['auto', 'bar', 'lines', 'none'].includes(flags.progress)) throw new Error(`--progress: expected auto, bar, lines or none, got "${flags.progress}"`);
      if (flags.dryRun) {
        const spec = loadSweepSpec(specFile);
        const trials = expandTrials(spec);
        const file = storePathFor(spec, flags.store);
        let status = new Map<string, string>();
        // No store yet: every trial is new. Any other problem with the store is an error that names it.
        if (existsSync(file)) {
          const store = new ResultStore(file, { readonly: true });
          try {
            // 'running' rows of a coordinator that is gone are not running: they run again next time.
            const active = store.sweepActive(spec.name);
            status = new Map(store.trials(spec.name).map((t) => [t.id, t.status === 'running' && !active ? 'interrupted' : t.status]));
          } finally {
            store.close();
          }
        }
        for (const t of trials) process.stdout.write(`${t.id}  ${(status.get(t.id) ?? 'new').padEnd(11)}  ${label(t)}\n`);
        process.stdout.write(`${trials.length} trials; store ${file}\n`);
        return;
      }
      const err = process.stderr;
      const useBar = flags.progress === 'bar' || (flags.progress === 'auto' && err.isTTY === true);
      const lines = flags.progress !== 'none' && !useBar;
      let bar: cliProgress.SingleBar | null = null;
      let finished = 0;
      let failed = 0;
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const started = Date.now();
      try {
        const summary = await runSweep(specFile, {
          store: flags.store,
          dir: flags.dir,
          queue: flags.queue,
          queueName: flags.queueName,
          parallel: flags.parallel,
          threads: flags.threads,
          cacheDir: flags.cacheDir,
          signal: controller.signal,
          onPlan: ({ total, todo, store, pruned }) => {
            if (flags.progress !== 'none') {
              err.write(`sweep: ${total} trials, ${total - todo} already done, ${todo} to run; results in ${store}\n`);
              if (pruned > 0) err.write(`sweep: removed ${pruned} pending trial(s) that the spec no longer has\n`);
            }
            if (useBar && todo > 0) {
              bar = new cliProgress.SingleBar({ stream: err, format: 'trials [{bar}] {value}/{total}  failed {failed}  eta {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
              bar.start(todo, 0, { failed: 0 });
            }
          },
          onStart: (trial, allocation) => {
            if (lines) err.write(`started  ${trial.id}  ${label(trial)}${allocation ? `  (${allocation.threads} thread(s))` : ''}\n`);
          },
          onEnd: (trial, status, detail) => {
            if (status === 'done' || status === 'failed') {
              finished++;
              if (status === 'failed') failed++;
              bar?.update(finished, { failed });
            }
            if (lines && status !== 'queued') err.write(`${status.padEnd(8)} ${trial.id}  ${label(trial)}${detail ? `: ${detail}` : ''}\n`);
          },
        });
        (bar as cliProgress.SingleBar | null)?.stop();
        const c = summary.counts;
        const minutes = ((Date.now() - started) / 60000).toFixed(1);
        process.stdout.write(`sweep ${summary.spec.name}: ${c.done} done, ${c.failed} failed, ${c.pending + c.running} not finished (${minutes} min); store ${summary.store}\n`);
        if (controller.signal.aborted) {
          process.stderr.write('sweep stopped; run the same command again to finish it\n');
          process.exitCode = 130;
        } else if (c.failed > 0) {
          process.stderr.write(`${c.failed} trial(s) failed; their errors are in the store (spikegrad report ${summary.store} lists them)\n`);
          process.exitCode = 1;
        }
      } finally {
        (bar as cliProgress.SingleBar | null)?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
