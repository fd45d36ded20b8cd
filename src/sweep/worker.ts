/**
 * `spikegrad worker`: takes trials from the BullMQ queue and runs each in a child process (run-trial.ts). BullMQ
 * holds a lock on every active job while this process lives; if it dies (kill -9, a lost node), the lock expires
 * and another worker takes the job again. On SIGTERM/SIGINT the worker stops its running trials, hands their jobs
 * straight back to the queue (no wait for a lock to expire), and exits.
 */
import os from 'node:os';
import path from 'node:path';

import type { Job } from 'bullmq';

import { defaultThreads } from '../util/threads.js';
import { connectRedis, DEFAULT_QUEUE_NAME, type TrialJobData, type TrialJobResult } from './queue.js';
import { runTrial, TrialError } from './run-trial.js';
import { importOptional } from '../util/optional.js';

/** A queue worker's options: Redis URL, queue name, trials at once, threads per trial, lock time, cache. */
export interface WorkerOptions {
  url: string;
  queueName?: string;
  /** Trials at once (default 1); each gets threads OpenMP threads (default cores / concurrency). */
  concurrency?: number;
  threads?: number;
  /** Where trial runs (checkpoints, metrics) go: <dir>/<sweep>/<trial id>. */
  dir: string;
  cacheDir?: string;
  /** Job lock time; a dead worker's trial is taken again after about this long. */
  lockMs?: number;
  /** How often workers look for jobs whose worker died. */
  stalledMs?: number;
  log?: (message: string) => void;
  /** Resolves when the worker has stopped. */
  signal?: AbortSignal;
}

/** Runs trials from the Redis queue until stopped (SIGTERM hands the running trial back). */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const concurrency = options.concurrency ?? 1;
  const threads = options.threads ?? Math.max(1, Math.floor(defaultThreads() / concurrency));
  const name = `${os.hostname()}:${process.pid}`;
  // Loaded here, not at import (see queue.ts).
  const { WaitingError, Worker } = await importOptional('bullmq', 'the sweep queue', () => import('bullmq'));
  const connection = await connectRedis(options.url, { onError: (err) => log(`redis: ${err.message}`) });
  const stopping = new AbortController();

  const process_ = async (job: Job<TrialJobData, TrialJobResult>, token?: string): Promise<TrialJobResult> => {
    const { sweep, trialId, config } = job.data;
    log(`trial ${trialId} (${sweep}) started, attempt ${job.attemptsMade + 1}`);
    try {
      const outcome = await runTrial(config, { dir: path.join(options.dir, sweep, trialId), threads, cacheDir: options.cacheDir, worker: name, signal: stopping.signal });
      log(`trial ${trialId} done: test accuracy ${outcome.results.test.accuracy.toFixed(4)}`);
      return { results: outcome.results, weights: Buffer.from(outcome.weights).toString('base64'), worker: name };
    } catch (err) {
      if (err instanceof TrialError && err.aborted) {
        // Stopped by SIGTERM: back to the queue now, without counting as a failed attempt.
        await job.moveToWait(token);
        log(`trial ${trialId} handed back to the queue`);
        throw new WaitingError();
      }
      log(`trial ${trialId} failed: ${(err as Error).message}`);
      throw err;
    }
  };

  const worker = new Worker<TrialJobData, TrialJobResult>(options.queueName ?? DEFAULT_QUEUE_NAME, process_, {
    connection,
    concurrency,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: options.stalledMs ?? 30_000,
    // A trial whose worker died is taken again; one that kills workers over and over is failed eventually.
    maxStalledCount: 3,
    autorun: false,
  });
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  const stop = () => {
    if (stopping.signal.aborted) return;
    log('stopping: running trials go back to the queue');
    stopping.abort();
    void worker.close();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  await worker.waitUntilReady();
  log(`worker ${name} on ${options.url}, queue ${options.queueName ?? DEFAULT_QUEUE_NAME}: ${concurrency} trial(s) at a time, ${threads} thread(s) each`);
  await worker.run();
  await worker.close();
  connection.disconnect();
  log('worker stopped');
}
