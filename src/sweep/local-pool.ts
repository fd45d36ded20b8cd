/**
 * Runs a sweep's trials on this machine: several trial processes side by side, each with a share of the cores,
 * so the machine is never oversubscribed. A failing trial is tried again up to `attempts` times, then stored as
 * failed with its error; the store is written only here, by this one process.
 */
import os from 'node:os';
import path from 'node:path';

import { defaultThreads } from '../util/threads.js';
import { runTrial, TrialError, type TrialProgress } from './run-trial.js';
import type { Trial } from './spec.js';
import type { ResultStore } from './store.js';

export interface Allocation {
  /** Trials running at once. */
  parallel: number;
  /** OpenMP threads of each trial. */
  threads: number;
}

/**
 * Splits `cores` between `trials`: as many trials side by side as there are cores when there is enough work
 * (runs scale worse with threads than with more runs), otherwise the cores go to the few trials there are.
 * Either number can be fixed by the user; the other then fills the cores.
 */
export function allocateCores(cores: number, trials: number, fixed: Partial<Allocation> = {}): Allocation {
  const c = Math.max(1, cores);
  if (fixed.parallel !== undefined && fixed.threads !== undefined) return { parallel: fixed.parallel, threads: fixed.threads };
  if (fixed.threads !== undefined) return { threads: fixed.threads, parallel: Math.max(1, Math.floor(c / fixed.threads)) };
  const parallel = Math.max(1, Math.min(fixed.parallel ?? c, Math.max(1, trials)));
  return { parallel, threads: Math.max(1, Math.floor(c / parallel)) };
}

export interface LocalPoolOptions {
  /** Directory under which every trial gets <trial id>/. */
  dir: string;
  attempts: number;
  parallel?: number;
  threads?: number;
  cores?: number;
  cacheDir?: string;
  signal?: AbortSignal;
  onStart?: (trial: Trial, allocation: Allocation) => void;
  onEpoch?: (trial: Trial, p: TrialProgress) => void;
  onEnd?: (trial: Trial, status: 'done' | 'failed' | 'retry' | 'stopped', detail?: string) => void;
}

export async function runLocalPool(trials: Trial[], store: ResultStore, options: LocalPoolOptions): Promise<void> {
  const allocation = allocateCores(options.cores ?? defaultThreads(), trials.length, { parallel: options.parallel, threads: options.threads });
  const worker = `${os.hostname()}:${process.pid}`;
  const queue = [...trials];
  const runOne = async (trial: Trial): Promise<void> => {
    if (!store.markRunning(trial.id, worker)) return;
    options.onStart?.(trial, allocation);
    try {
      const outcome = await runTrial(trial.config, {
        dir: path.join(options.dir, trial.id),
        threads: allocation.threads,
        cacheDir: options.cacheDir,
        worker,
        signal: options.signal,
        onEpoch: (p) => options.onEpoch?.(trial, p),
      });
      store.saveDone(trial.id, outcome);
      options.onEnd?.(trial, 'done', `test accuracy ${outcome.results.test.accuracy.toFixed(4)}`);
    } catch (err) {
      if (err instanceof TrialError && err.aborted) {
        store.setQueueState(trial.id, 'pending');
        options.onEnd?.(trial, 'stopped');
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      const attempts = store.trial(trial.id)?.attempts ?? options.attempts;
      if (attempts < options.attempts) {
        store.setQueueState(trial.id, 'pending');
        queue.push(trial);
        options.onEnd?.(trial, 'retry', message);
      } else {
        store.saveFailed(trial.id, message, worker);
        options.onEnd?.(trial, 'failed', message);
      }
    }
  };
  const lane = async () => {
    for (let trial = queue.shift(); trial !== undefined && !options.signal?.aborted; trial = queue.shift()) await runOne(trial);
  };
  await Promise.all(Array.from({ length: allocation.parallel }, lane));
}
