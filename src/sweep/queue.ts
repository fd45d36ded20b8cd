/**
 * Sweeps over a cluster: the coordinator puts each unfinished trial in a BullMQ queue on Redis (job id = store id
 * and trial id, so a trial is never queued twice for one store, while two stores running the same sweep on one
 * queue each get their own jobs), `spikegrad worker` processes run them anywhere, and the coordinator moves
 * every finished job's result into the store. Results stay in Redis until stored, so a coordinator that is killed
 * and started again collects what finished meanwhile and waits for the rest; a job that vanished from Redis
 * (removed by hand, or Redis restarted without persistence) is queued again.
 */
// bullmq and ioredis are loaded when a queue is used: importing spikegrad should not cost their ~50 MB.
import type { Redis } from 'ioredis';

import type { Trial } from './spec.js';
import type { ResultStore, TrialOutcome } from './store.js';
import { importOptional } from '../util/optional.js';

/** The BullMQ queue name when none is given. */
export const DEFAULT_QUEUE_NAME = 'spikegrad-trials';

/** What a job carries to a worker. */
export interface TrialJobData {
  sweep: string;
  trialId: string;
  config: Trial['config'];
}

/** What a worker returns (weights as base64, since job results are JSON). */
export interface TrialJobResult {
  results: TrialOutcome['results'];
  weights: string;
  worker: string;
}

/** An ioredis connection for BullMQ, with the URL checked and named in errors. */
export async function redisConnection(url: string): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue: expected a Redis URL like redis://host:6379, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`--queue: expected a redis:// or rediss:// URL, got "${url}"`);
  // BullMQ's blocking commands need maxRetriesPerRequest null.
  const { Redis: RedisClient } = await importOptional('ioredis', 'the sweep queue', () => import('ioredis'));
  return new RedisClient(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/**
 * Connects and checks that Redis answers within `timeoutMs`, so an unreachable queue is one clear error instead
 * of endless reconnect attempts. Later connection errors go to `onError` (ioredis reconnects by itself).
 */
export async function connectRedis(url: string, options: { timeoutMs?: number; onError?: (err: Error) => void } = {}): Promise<Redis> {
  const connection = await redisConnection(url);
  let lastError: Error | null = null;
  connection.on('error', (err: Error) => {
    lastError = err;
    options.onError?.(err);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), options.timeoutMs ?? 5000);
      }),
    ]);
  } catch (err) {
    connection.disconnect();
    const why = (lastError as Error | null)?.message ?? (err as Error).message;
    throw new Error(`--queue: cannot reach Redis at ${url} (${why})`);
  } finally {
    clearTimeout(timer);
  }
  return connection;
}

/**
 * The trial outcome a worker returned, or the reason it is not one: what comes back from Redis is checked before
 * the store takes it (a worker of another version, or a hand-edited job, must not crash the coordinator).
 */
export function outcomeFromJob(value: unknown): TrialOutcome | { malformed: string } {
  const v = value as Partial<TrialJobResult> | null | undefined;
  if (v === null || typeof v !== 'object') return { malformed: `expected an object with results, weights and worker, got ${value === null ? 'null' : typeof value}` };
  if (typeof v.weights !== 'string') return { malformed: 'weights: expected a base64 string' };
  if (typeof v.worker !== 'string') return { malformed: 'worker: expected a string' };
  const accuracy = (v.results as { test?: { accuracy?: unknown } } | undefined)?.test?.accuracy;
  if (typeof accuracy !== 'number') return { malformed: 'results.test.accuracy: expected a number' };
  return { results: v.results as TrialOutcome['results'], weights: new Uint8Array(Buffer.from(v.weights, 'base64')), worker: v.worker };
}

/** The queue job of a trial for one store ('-': BullMQ job ids may not contain ':'). */
export function trialJobId(storeId: string, trialId: string): string {
  return `${storeId}-${trialId}`;
}

export interface QueueSweepOptions {
  url: string;
  queueName?: string;
  attempts: number;
  /** How often job states are read from Redis. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Trials of the sweep already done in the store: a job of theirs still in Redis is removed. */
  finished?: string[];
  onState?: (trial: Trial, state: 'queued' | 'running' | 'done' | 'failed', detail?: string) => void;
}

export async function runQueuedSweep(sweep: string, trials: Trial[], store: ResultStore, options: QueueSweepOptions): Promise<void> {
  const { Job, Queue } = await importOptional('bullmq', 'the sweep queue', () => import('bullmq'));
  const connection = await connectRedis(options.url);
  const queue = new Queue<TrialJobData, TrialJobResult>(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  try {
    await queue.waitUntilReady();
    const storeId = store.id; // one read, not one per trial and poll
    const jobId = (trialId: string) => trialJobId(storeId, trialId);
    const enqueue = async (trial: Trial) => {
      await queue.add('trial', { sweep, trialId: trial.id, config: trial.config }, {
        jobId: jobId(trial.id),
        attempts: options.attempts,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      });
      options.onState?.(trial, 'queued');
    };
    // Jobs of trials the store already holds (a coordinator killed between storing a result and removing its job).
    await Promise.all(
      (options.finished ?? []).map(async (id) => {
        const job = await Job.fromId(queue, jobId(id));
        const state = job && (await job.getState());
        if (state === 'completed' || state === 'failed') await job!.remove();
      }),
    );
    const open = new Map(trials.map((t) => [t.id, t]));
    for (const trial of trials) {
      const job = await Job.fromId<TrialJobData, TrialJobResult>(queue, jobId(trial.id));
      // A job that failed for good in an earlier run of the sweep is queued afresh: re-running retries failures.
      if (job && (await job.getState()) === 'failed') await job.remove();
      else if (job) continue;
      await enqueue(trial);
    }
    const running = new Set<string>();
    while (open.size > 0 && !options.signal?.aborted) {
      await Promise.all(
        [...open.values()].map(async (trial) => {
          const job = await Job.fromId<TrialJobData, TrialJobResult>(queue, jobId(trial.id));
          if (!job) {
            // Gone from Redis without its result reaching this store: waiting would never end.
            running.delete(trial.id);
            store.setQueueState(trial.id, 'pending');
            await enqueue(trial);
            return;
          }
          const state = await job.getState();
          if (state === 'completed') {
            // The job was read before its state: one that completed in between carries no return value yet.
            const done = job.returnvalue != null ? job : await Job.fromId<TrialJobData, TrialJobResult>(queue, jobId(trial.id));
            if (!done) return; // removed meanwhile: the next poll queues it again
            const outcome = outcomeFromJob(done.returnvalue);
            if ('malformed' in outcome) {
              const reason = `the worker's result is not a trial outcome (${outcome.malformed})`;
              store.saveFailed(trial.id, reason, null, done.attemptsMade);
              open.delete(trial.id);
              options.onState?.(trial, 'failed', reason);
            } else {
              store.saveDone(trial.id, outcome, done.attemptsStarted ?? done.attemptsMade + 1);
              open.delete(trial.id);
              options.onState?.(trial, 'done', `test accuracy ${outcome.results.test.accuracy.toFixed(4)} on ${outcome.worker}`);
            }
            await done.remove();
          } else if (state === 'failed') {
            store.saveFailed(trial.id, job.failedReason || 'failed', null, job.attemptsMade);
            open.delete(trial.id);
            options.onState?.(trial, 'failed', job.failedReason);
          } else if (state === 'active' && !running.has(trial.id)) {
            running.add(trial.id);
            store.setQueueState(trial.id, 'running', job.attemptsStarted ?? job.attemptsMade + 1);
            options.onState?.(trial, 'running');
          } else if (state !== 'active' && running.delete(trial.id)) {
            // Back in the queue (a worker died or stopped): it runs again elsewhere.
            store.setQueueState(trial.id, 'pending', job.attemptsStarted ?? job.attemptsMade);
            options.onState?.(trial, 'queued');
          }
        }),
      );
      if (open.size > 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
