/**
 * Runs one trial in a child process (trial-process.ts) with a fixed number of OpenMP threads and returns its
 * results and final weights; an AbortSignal stops it. Local sweeps and queue workers both run trials this way.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { readCheckpoint } from '../io/checkpoint.js';
import { CHECKPOINT_FILE, RESULTS_FILE, type RunResults } from '../train/run.js';
import type { TrainConfig } from '../train/train-config.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { TrialOutcome } from './store.js';

/** The child's entry: beside this module when compiled; the compiled one when this runs from source (tests). */
function trialProcessEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'trial-process.js'), path.join(here, '..', '..', 'dist', 'sweep', 'trial-process.js')];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`cannot find the trial process entry (looked for ${candidates.join(', ')}); run npm run build:ts`);
  return found;
}

export interface TrialProgress {
  epoch: number;
  trainAccuracy: number;
  validAccuracy: number | null;
  seconds: number;
}

export interface RunTrialOptions {
  /** Directory of this trial's run (checkpoint, metrics, results); an earlier attempt's checkpoint is continued. */
  dir: string;
  threads: number;
  cacheDir?: string;
  worker: string;
  signal?: AbortSignal;
  onEpoch?: (p: TrialProgress) => void;
}

/** A trial whose training failed (the message is the trial's own error) or that was stopped. */
export class TrialError extends Error {
  constructor(
    message: string,
    readonly aborted = false,
  ) {
    super(message);
    this.name = 'TrialError';
  }
}

/** Final parameters of a run, concatenated float32 in the network's parameter order. */
export function packWeights(parameters: Record<string, Float32Array>): Uint8Array {
  const arrays = Object.values(parameters);
  const out = new Float32Array(arrays.reduce((s, a) => s + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(out.buffer);
}

export async function runTrial(config: TrainConfig, options: RunTrialOptions): Promise<TrialOutcome> {
  if (options.signal?.aborted) throw new TrialError('stopped before it started', true);
  const jobFile = path.join(options.dir, 'trial-job.json');
  writeFileAtomic(jobFile, JSON.stringify({ config, out: options.dir, threads: options.threads, cacheDir: options.cacheDir }));
  const child = spawn(process.execPath, [trialProcessEntry(), jobFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: String(options.threads) },
  });
  let error: string | null = null;
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let message: { type?: string; message?: string } & Partial<TrialProgress>;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      if (message.type === 'epoch') options.onEpoch?.(message as TrialProgress);
      else if (message.type === 'error') error = message.message ?? 'unknown error';
    }
  });
  // Keep the end of stderr: a native crash reports there.
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const abort = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', abort, { once: true });
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  options.signal?.removeEventListener('abort', abort);
  if (options.signal?.aborted) throw new TrialError('stopped', true);
  if (code !== 0) {
    const why = error ?? (stderr.trim().split('\n').slice(-3).join(' | ') || `the trial process exited with ${signal ?? `status ${code}`}`);
    throw new TrialError(why);
  }
  const resultsFile = path.join(options.dir, RESULTS_FILE);
  if (!existsSync(resultsFile)) throw new TrialError(`the trial process ended without writing ${resultsFile}`);
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as RunResults;
  const checkpoint = readCheckpoint(path.join(options.dir, CHECKPOINT_FILE));
  return { results, weights: packWeights(checkpoint.parameters), worker: options.worker };
}
