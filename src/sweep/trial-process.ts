/**
 * One sweep trial in its own process (so a crash, a leak or a kill affects that trial only):
 *   node trial-process.js <job.json>
 * job.json: { config, out, threads, cacheDir? }. Runs the training in `out`, continuing from its checkpoint if an
 * earlier attempt left one, and prints JSON lines on stdout: {type: 'epoch', ...} after every epoch, then
 * {type: 'done'} or {type: 'error', message}. results.json and checkpoint.sgck in `out` hold the outcome.
 */
import { readFileSync } from 'node:fs';

import { runTraining } from '../train/run.js';

interface TrialJob {
  config: unknown;
  out: string;
  threads: number;
  cacheDir?: string;
}

const send = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

// A parent that dies (kill -9 of a queue worker or of a sweep) must not leave its trials running: when this
// process is re-parented, it stops.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(3);
}, 500).unref();

try {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as TrialJob;
  await runTraining(job.config, {
    out: job.out,
    resume: 'if-present',
    threads: job.threads,
    cacheDir: job.cacheDir,
    onEpoch: (r) => send({ type: 'epoch', epoch: r.epoch, trainAccuracy: r.train.accuracy, validAccuracy: r.valid?.accuracy ?? null, seconds: r.seconds }),
  });
  send({ type: 'done' });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
}
