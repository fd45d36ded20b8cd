import os from 'node:os';
import path from 'node:path';

import type { Command } from 'commander';

import { runWorker } from '../sweep/worker.js';
import { positiveInteger } from './parse-flags.js';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: number;
  threads?: number;
  dir: string;
  cacheDir?: string;
  lockMs: number;
  stalledMs: number;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run sweep trials from a BullMQ queue on Redis until stopped (SIGTERM hands running trials back)')
    .requiredOption('--queue <url>', 'Redis URL, e.g. redis://host:6379')
    .option('--queue-name <name>', 'BullMQ queue name', 'spikegrad-trials')
    .option('--concurrency <n>', 'trials at once', positiveInteger, 1)
    .option('--threads <n>', 'OpenMP threads per trial (default: cores / concurrency)', positiveInteger)
    .option('--dir <dir>', 'directory for trial runs', path.join(os.tmpdir(), 'spikegrad-worker'))
    .option('--cache-dir <dir>', 'dataset cache directory')
    .option('--lock-ms <ms>', "job lock time: a dead worker's trial is taken again after about this long", positiveInteger, 30_000)
    .option('--stalled-ms <ms>', "how often to look for trials whose worker died", positiveInteger, 30_000)
    .action(async (flags: WorkerFlags) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await runWorker({
        url: flags.queue,
        queueName: flags.queueName,
        concurrency: flags.concurrency,
        threads: flags.threads,
        dir: flags.dir,
        cacheDir: flags.cacheDir,
        lockMs: flags.lockMs,
        stalledMs: flags.stalledMs,
        signal: controller.signal,
        log: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
      });
    });
}
