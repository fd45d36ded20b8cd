/**
 * A sweep end to end, as `spikegrad sweep` runs it: read and expand the spec (every trial validated first),
 * register the trials in the store, then run what is not done yet — locally, or through a Redis queue.
 * Re-running a sweep skips done trials and runs the others again (pending, interrupted and failed ones).
 */
import path from 'node:path';

import { readConfigFile } from '../util/config-file.js';
import { type Allocation, runLocalPool } from './local-pool.js';
import { runQueuedSweep } from './queue.js';
import type { TrialProgress } from './run-trial.js';
import { expandTrials, parseSweepSpec, type SweepSpec, type Trial } from './spec.js';
import { ResultStore, type TrialStatus } from './store.js';

export interface SweepEvents {
  /** The sweep is registered: how many trials it has and how many are left to run. */
  /** pruned: pending trials of an earlier version of the spec, removed from the store. */
  onPlan?: (plan: { total: number; todo: number; store: string; pruned: number }) => void;
  onStart?: (trial: Trial, allocation?: Allocation) => void;
  onEpoch?: (trial: Trial, p: TrialProgress) => void;
  onEnd?: (trial: Trial, status: 'done' | 'failed' | 'retry' | 'stopped' | 'queued', detail?: string) => void;
}

/**
 * Where and how a sweep runs: store, trial directories, a Redis queue URL (else this machine), parallel trials and
 * threads each, cache, an abort signal, progress callbacks.
 */
export interface SweepOptions extends SweepEvents {
  /** Results file; default the spec's `store`, else results/<name>.sqlite. */
  store?: string;
  /** Trial run directories; default <store without extension>-trials/<sweep>. */
  dir?: string;
  /** redis://host:port: run the trials through the queue instead of on this machine. */
  queue?: string;
  queueName?: string;
  parallel?: number;
  threads?: number;
  cacheDir?: string;
  signal?: AbortSignal;
}

/** What a sweep ended with: its spec, store and the count of trials per status. */
export interface SweepSummary {
  spec: SweepSpec;
  store: string;
  counts: Record<TrialStatus, number>;
}

/** Reads and validates a sweep spec file (YAML or JSON). */
export function loadSweepSpec(file: string): SweepSpec {
  return parseSweepSpec(readConfigFile(file));
}

export function storePathFor(spec: SweepSpec, override?: string): string {
  return override ?? spec.store ?? path.join('results', `${spec.name}.sqlite`);
}

/**
 * Runs a sweep: expands and validates every trial, registers them in the store, then runs what is not done yet,
 * locally or through the queue. Running it again skips finished trials.
 */
export async function runSweep(specInput: SweepSpec | string, options: SweepOptions = {}): Promise<SweepSummary> {
  const spec = typeof specInput === 'string' ? loadSweepSpec(specInput) : parseSweepSpec(specInput);
  const trials = expandTrials(spec);
  const storeFile = storePathFor(spec, options.store);
  const store = new ResultStore(storeFile);
  try {
    store.lockSweep(spec.name);
  } catch (err) {
    store.close();
    throw err;
  }
  try {
    // Trials a dead coordinator left 'running' run again, without losing one of their attempts. Through a queue,
    // 'running' mirrors the queue's own state, which the queue settles.
    if (!options.queue) store.releaseInterrupted(spec.name);
    const pruned = store.register(spec, trials);
    const done = new Set(store.trials(spec.name).filter((t) => t.status === 'done').map((t) => t.id));
    const todo = trials.filter((t) => !done.has(t.id));
    options.onPlan?.({ total: trials.length, todo: todo.length, store: storeFile, pruned });
    if (options.queue) {
      await runQueuedSweep(spec.name, todo, store, {
        url: options.queue,
        queueName: options.queueName,
        attempts: spec.attempts,
        signal: options.signal,
        finished: [...done],
        onState: (trial, state, detail) => {
          if (state === 'running') options.onStart?.(trial);
          else options.onEnd?.(trial, state, detail);
        },
      });
    } else {
      const dir = options.dir ?? path.join(`${storeFile.replace(/\.sqlite3?$|\.db$/i, '')}-trials`, spec.name);
      await runLocalPool(todo, store, {
        dir,
        attempts: spec.attempts,
        parallel: options.parallel,
        threads: options.threads,
        cacheDir: options.cacheDir,
        signal: options.signal,
        onStart: options.onStart,
        onEpoch: options.onEpoch,
        onEnd: options.onEnd,
      });
    }
    return { spec, store: storeFile, counts: store.counts(spec.name) };
  } finally {
    store.unlockSweep(spec.name);
    store.close();
  }
}
