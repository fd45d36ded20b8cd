/**
 * The dashboard's data, read-only: what a store's sweeps and trials are (status, progress, ETA, swept fields,
 * metrics, errors) and what a run directory holds (status, config, epochs). Stores are opened read-only for each
 * request and closed at once, so the dashboard never holds a lock a running sweep would wait for.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { readCheckpoint } from '../io/checkpoint.js';
import { ResultStore, type TrialRow, type TrialStatus } from '../sweep/store.js';
import { CHECKPOINT_FILE, METRICS_FILE, RESULTS_FILE } from '../train/run.js';
import type { EpochRecord } from '../train/trainer.js';
import type { Source } from './sources.js';

/** A run whose metrics log has not changed for this long is no longer running. */
const RUN_STALE_MS = 10 * 60 * 1000;

export interface SweepView {
  name: string;
  counts: Record<TrialStatus, number>;
  total: number;
  /** Seconds until every pending and running trial is done, from the mean wall time of done trials; null before. */
  etaSeconds: number | null;
  /** The swept fields and the values they take (for the page's filters). */
  fields: Record<string, unknown[]>;
  figures: string[];
}

export interface TrialView {
  id: string;
  sweep: string;
  status: TrialStatus;
  overrides: Record<string, unknown>;
  attempts: number;
  worker: string | null;
  testAccuracy: number | null;
  validAccuracy: number | null;
  spikesPerNeuron: number | null;
  epochs: number;
  wallSeconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export function withStore<T>(source: Source, read: (store: ResultStore) => T): T {
  const store = new ResultStore(source.path, { readonly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/** Seconds until the pending and running trials are done, at the mean wall time of the done ones. */
function eta(counts: Record<TrialStatus, number>, meanWallSeconds: number | null): number | null {
  const left = counts.pending + counts.running;
  if (left === 0) return 0;
  if (meanWallSeconds === null) return null;
  return (left * meanWallSeconds) / Math.max(1, counts.running);
}

/** A sweep in a store's summary: what the source list shows, from aggregate queries (no trial rows read). */
export type SweepSummary = Omit<SweepView, 'fields'>;

/** Every sweep of a store with its counts and ETA, cheap enough for the source list on every change. */
export function storeSummary(source: Source): SweepSummary[] {
  return withStore(source, (store) =>
    store.sweeps().map(({ name, spec }) => {
      const counts = store.counts(name);
      const total = counts.pending + counts.running + counts.done + counts.failed;
      return { name, counts, total, etaSeconds: eta(counts, store.meanWallSeconds(name)), figures: spec.figures ?? [] };
    }),
  );
}

export function storeView(source: Source): { sweeps: SweepView[]; trials: TrialView[] } {
  return withStore(source, (store) => {
    const trials = store.trials();
    const sweeps = store.sweeps().map(({ name, spec }) => {
      const rows = trials.filter((t) => t.sweep === name);
      const counts: Record<TrialStatus, number> = { pending: 0, running: 0, done: 0, failed: 0 };
      for (const t of rows) counts[t.status]++;
      const done = rows.filter((t) => t.status === 'done' && t.wallSeconds !== null);
      const mean = done.length > 0 ? done.reduce((s, t) => s + (t.wallSeconds ?? 0), 0) / done.length : null;
      const fields: Record<string, unknown[]> = {};
      for (const t of rows) {
        for (const [k, v] of Object.entries(t.overrides)) {
          const list = (fields[k] ??= []);
          if (!list.some((x) => JSON.stringify(x) === JSON.stringify(v))) list.push(v);
        }
      }
      return { name, counts, total: rows.length, etaSeconds: eta(counts, mean), fields, figures: spec.figures ?? [] };
    });
    return {
      sweeps,
      trials: trials.map((t) => ({
        id: t.id,
        sweep: t.sweep,
        status: t.status,
        overrides: t.overrides,
        attempts: t.attempts,
        worker: t.worker,
        testAccuracy: t.testAccuracy,
        validAccuracy: t.validAccuracy,
        spikesPerNeuron: t.spikesPerNeuron,
        epochs: t.history.length,
        wallSeconds: t.wallSeconds,
        startedAt: t.startedAt,
        finishedAt: t.finishedAt,
        error: t.error,
      })),
    };
  });
}

/** One trial in full: its config, history and results. */
export function trialView(source: Source, id: string): TrialRow | undefined {
  return withStore(source, (store) => store.trial(id));
}

export interface RunView {
  status: 'done' | 'running' | 'stopped';
  epochs: number;
  plannedEpochs: number | null;
  history: EpochRecord[];
  config: unknown;
  results: unknown;
  updatedAt: string | null;
}

function readJsonLines(file: string): EpochRecord[] {
  if (!existsSync(file)) return [];
  const out: EpochRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as EpochRecord);
    } catch {
      // A line being written right now: the next poll reads it whole.
    }
  }
  return out;
}

function readResults(file: string): Record<string, unknown> | null {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function runView(source: Source): RunView {
  const dir = source.path;
  const history = readJsonLines(path.join(dir, METRICS_FILE));
  const resultsFile = path.join(dir, RESULTS_FILE);
  const results = readResults(resultsFile);
  let config: unknown = results?.config ?? null;
  if (config === null && existsSync(path.join(dir, CHECKPOINT_FILE))) {
    try {
      config = readCheckpoint(path.join(dir, CHECKPOINT_FILE)).config;
    } catch {
      config = null;
    }
  }
  const metrics = path.join(dir, METRICS_FILE);
  const updated = existsSync(metrics) ? statSync(metrics).mtimeMs : null;
  const status = results ? 'done' : updated !== null && Date.now() - updated < RUN_STALE_MS ? 'running' : 'stopped';
  const { history: _h, ...summary } = results ?? {};
  return {
    status,
    epochs: history.length,
    plannedEpochs: (config as { epochs?: number } | null)?.epochs ?? null,
    history,
    config,
    results: results ? summary : null,
    updatedAt: updated === null ? null : new Date(updated).toISOString(),
  };
}
