/**
 * The results store of sweeps: one SQLite file (better-sqlite3, WAL), one row per trial. A trial row is written
 * when the trial is registered (pending), when it starts (running, attempts + 1), and once when it ends (done or
 * failed). A done row is never written again, so however often a result arrives (a retried queue job, a
 * re-run sweep) no trial is stored twice.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type Database from 'better-sqlite3';

import type { NetworkConfig } from '../model/config.js';
import type { RunResults } from '../train/run.js';
import type { TrainConfig } from '../train/train-config.js';
import type { EpochRecord } from '../train/trainer.js';
import { MissingDependencyError, requireOptional } from '../util/optional.js';
import type { SweepSpec, Trial } from './spec.js';

/** A trial's status in the store. */
export type TrialStatus = 'pending' | 'running' | 'done' | 'failed';

/** What a finished trial sends back: its results and final (best-on-validation) weights. */
export interface TrialOutcome {
  results: Omit<RunResults, 'history'> & { history: EpochRecord[] };
  /** Parameters in the network's parameter order, concatenated float32. */
  weights: Uint8Array;
  worker: string;
}

/**
 * One trial as the store holds it: id, sweep, swept fields, config, status, attempts, worker, times, metrics,
 * history, results, error.
 */
export interface TrialRow {
  id: string;
  sweep: string;
  index: number;
  overrides: Record<string, unknown>;
  config: TrainConfig;
  status: TrialStatus;
  attempts: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  wallSeconds: number | null;
  trainAccuracy: number | null;
  validAccuracy: number | null;
  testAccuracy: number | null;
  testLoss: number | null;
  /** Test split, mean over hidden layers: spikes per neuron per sample. */
  spikesPerNeuron: number | null;
  history: EpochRecord[];
  results: Omit<RunResults, 'history'> | null;
  network: NetworkConfig | null;
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweeps (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  id TEXT PRIMARY KEY,
  sweep TEXT NOT NULL REFERENCES sweeps(name),
  idx INTEGER NOT NULL,
  overrides TEXT NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  worker TEXT,
  started_at TEXT,
  finished_at TEXT,
  wall_seconds REAL,
  train_accuracy REAL,
  valid_accuracy REAL,
  test_accuracy REAL,
  test_loss REAL,
  spikes_per_neuron REAL,
  history TEXT NOT NULL DEFAULT '[]',
  results TEXT,
  network TEXT,
  weights BLOB,
  error TEXT
);
CREATE INDEX IF NOT EXISTS trials_by_sweep ON trials (sweep, idx);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sweep_locks (
  sweep TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  heartbeat INTEGER NOT NULL
);
`;

/** A coordinator on another machine that has not written its heartbeat for this long is taken to be dead. */
const LOCK_STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

/** Another live process runs this sweep on this store. */
export class SweepBusyError extends Error {
  constructor(file: string, sweep: string, owner: { host: string; pid: number }) {
    super(
      `${file}: sweep "${sweep}" is being run by process ${owner.pid} on ${owner.host}; wait for it to end or stop it ` +
        '(a second coordinator would run every trial again)',
    );
    this.name = 'SweepBusyError';
  }
}

/** A store file that cannot be opened or is not a spikegrad results store; names the file. */
export class StoreError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'StoreError';
  }
}

/** Whether the process that wrote a lock row still runs. */
function lockHolderAlive(row: { host: string; pid: number; heartbeat: number }): boolean {
  if (row.host !== os.hostname()) return Date.now() - row.heartbeat < LOCK_STALE_MS;
  if (row.pid === process.pid) return true;
  try {
    process.kill(row.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RawRow {
  id: string;
  sweep: string;
  idx: number;
  overrides: string;
  config: string;
  status: TrialStatus;
  attempts: number;
  worker: string | null;
  started_at: string | null;
  finished_at: string | null;
  wall_seconds: number | null;
  train_accuracy: number | null;
  valid_accuracy: number | null;
  test_accuracy: number | null;
  test_loss: number | null;
  spikes_per_neuron: number | null;
  history: string;
  results: string | null;
  network: string | null;
  error: string | null;
}

const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * The SQLite results store of sweeps (better-sqlite3, WAL): one row per trial, written once when done
 * (docs/design.md section 7).
 */
export class ResultStore {
  readonly file: string;
  private readonly db: Database.Database;

  private heartbeat: NodeJS.Timeout | null = null;

  constructor(file: string, options: { readonly?: boolean } = {}) {
    this.file = file;
    if (existsSync(file) && statSync(file).isDirectory()) throw new StoreError(file, 'is a directory, not a results store file');
    if (!options.readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      const SQLite = requireOptional<typeof Database>('better-sqlite3', 'the sweep results store');
      this.db = new SQLite(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (err) {
      if (err instanceof MissingDependencyError) throw err;
      throw new StoreError(file, `cannot open the results store (${(err as Error).message})`);
    }
    try {
      // Several coordinators (one per sweep) may share a store; WAL lets readers run beside the writer.
      this.db.pragma('busy_timeout = 10000');
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.exec(SCHEMA);
        // Made once per store file; OR IGNORE keeps the first when two processes open a new store together.
        this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)").run(randomUUID().replace(/-/g, ''));
      } else if (this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'trials'").get() === undefined) {
        throw new Error('it holds no trials table');
      }
    } catch (err) {
      this.db.close();
      throw new StoreError(file, `not a spikegrad results store (${(err as Error).message})`);
    }
  }

  /**
   * Takes this sweep for this process, or throws SweepBusyError when another live process holds it (same host:
   * its pid runs; another host: its heartbeat is fresh). A heartbeat keeps the lock while the sweep runs.
   */
  lockSweep(sweep: string): void {
    const take = this.db.transaction(() => {
      const row = this.db.prepare('SELECT host, pid, heartbeat FROM sweep_locks WHERE sweep = ?').get(sweep) as
        | { host: string; pid: number; heartbeat: number }
        | undefined;
      if (row && lockHolderAlive(row) && !(row.host === os.hostname() && row.pid === process.pid)) throw new SweepBusyError(this.file, sweep, row);
      this.db
        .prepare('INSERT INTO sweep_locks (sweep, host, pid, heartbeat) VALUES (?, ?, ?, ?) ON CONFLICT(sweep) DO UPDATE SET host = excluded.host, pid = excluded.pid, heartbeat = excluded.heartbeat')
        .run(sweep, os.hostname(), process.pid, Date.now());
    });
    take.immediate();
    this.heartbeat = setInterval(() => {
      this.db.prepare('UPDATE sweep_locks SET heartbeat = ? WHERE sweep = ? AND host = ? AND pid = ?').run(Date.now(), sweep, os.hostname(), process.pid);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  unlockSweep(sweep: string): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.db.prepare('DELETE FROM sweep_locks WHERE sweep = ? AND host = ? AND pid = ?').run(sweep, os.hostname(), process.pid);
  }

  /** Whether a live process holds this sweep (for --dry-run: 'running' rows of a dead coordinator are not running). */
  sweepActive(sweep: string): boolean {
    const hasLocks = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sweep_locks'").get() !== undefined;
    if (!hasLocks) return false;
    const row = this.db.prepare('SELECT host, pid, heartbeat FROM sweep_locks WHERE sweep = ?').get(sweep) as { host: string; pid: number; heartbeat: number } | undefined;
    return row !== undefined && lockHolderAlive(row);
  }

  /**
   * Trials left 'running' by a coordinator that died: back to pending, and the attempt they were in is not
   * counted (it was interrupted, it did not fail). Only for a sweep this process holds the lock of.
   */
  releaseInterrupted(sweep: string): number {
    return this.db.prepare("UPDATE trials SET status = 'pending', attempts = MAX(0, attempts - 1) WHERE sweep = ? AND status = 'running'").run(sweep).changes;
  }

  /**
   * A random id this store file keeps for life: queue jobs are named by store and trial, so two stores running
   * the same sweep on one Redis queue each get their own jobs, and a restarted coordinator finds its own.
   */
  get id(): string {
    const hasMeta = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
    const row = hasMeta ? (this.db.prepare("SELECT value FROM meta WHERE key = 'store_id'").get() as { value: string } | undefined) : undefined;
    if (!row) throw new Error(`${this.file}: the store has no id yet (open it writable once)`);
    return row.value;
  }

  close(): void {
    this.db.close();
  }

  /** SQLite's own check of the file: 'ok', or what is damaged. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }

  /**
   * Records the sweep and its trials; trials already in the store keep their status and results. Pending trials of
   * the sweep that the spec no longer has (an edited grid) are removed: they never ran, so nothing is lost, and
   * they would otherwise stay 'pending' in every count and table. Returns how many were removed.
   */
  register(spec: SweepSpec, trials: Trial[]): number {
    const now = new Date().toISOString();
    const upsertSweep = this.db.prepare(
      'INSERT INTO sweeps (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at',
    );
    const insertTrial = this.db.prepare(
      "INSERT INTO trials (id, sweep, idx, overrides, config, status) VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT(id) DO UPDATE SET idx = excluded.idx",
    );
    const prune = this.db.prepare("DELETE FROM trials WHERE sweep = ? AND status = 'pending' AND id NOT IN (SELECT value FROM json_each(?))");
    return this.db.transaction(() => {
      upsertSweep.run(spec.name, JSON.stringify(spec), now, now);
      for (const t of trials) insertTrial.run(t.id, spec.name, t.index, JSON.stringify(t.overrides), JSON.stringify(t.config));
      return prune.run(spec.name, JSON.stringify(trials.map((t) => t.id))).changes;
    })();
  }

  /** Marks a trial as started on `worker`; false if it is already done (nothing to run). */
  markRunning(id: string, worker: string): boolean {
    const r = this.db
      .prepare("UPDATE trials SET status = 'running', attempts = attempts + 1, worker = ?, started_at = ?, error = NULL WHERE id = ? AND status != 'done'")
      .run(worker, new Date().toISOString(), id);
    return r.changes === 1;
  }

  /** Stores a finished trial once; false if it was already done. */
  saveDone(id: string, outcome: TrialOutcome, attempts?: number): boolean {
    const { results } = outcome;
    const { history, ...summary } = results;
    const spikes = mean(results.test.spikesPerNeuron);
    const r = this.db
      .prepare(
        `UPDATE trials SET status = 'done', worker = ?, finished_at = ?, wall_seconds = ?, train_accuracy = ?, valid_accuracy = ?,
         test_accuracy = ?, test_loss = ?, spikes_per_neuron = ?, history = ?, results = ?, network = ?, weights = ?, error = NULL,
         attempts = MAX(attempts, COALESCE(?, 0))
         WHERE id = ? AND status != 'done'`,
      )
      .run(
        outcome.worker,
        new Date().toISOString(),
        results.wallSeconds,
        results.train.accuracy,
        results.valid.accuracy,
        results.test.accuracy,
        results.test.loss,
        spikes,
        JSON.stringify(history),
        JSON.stringify(summary),
        JSON.stringify(results.network),
        Buffer.from(outcome.weights.buffer, outcome.weights.byteOffset, outcome.weights.byteLength),
        attempts ?? null,
        id,
      );
    return r.changes === 1;
  }

  /** Stores a trial that failed for good, with its error; a done trial is left alone. */
  saveFailed(id: string, error: string, worker: string | null, attempts?: number): boolean {
    const r = this.db
      .prepare(
        "UPDATE trials SET status = 'failed', worker = COALESCE(?, worker), finished_at = ?, error = ?, attempts = MAX(attempts, COALESCE(?, 0)) WHERE id = ? AND status != 'done'",
      )
      .run(worker, new Date().toISOString(), error, attempts ?? null, id);
    return r.changes === 1;
  }

  /**
   * Status of a trial that is not finished: back to pending (stopped, or waiting for a retry), or running on a
   * queue worker; `attempts` raises the attempt count to what the queue reports.
   */
  setQueueState(id: string, status: 'pending' | 'running', attempts?: number, worker?: string): void {
    this.db
      .prepare("UPDATE trials SET status = ?, attempts = MAX(attempts, COALESCE(?, 0)), worker = COALESCE(?, worker) WHERE id = ? AND status != 'done'")
      .run(status, attempts ?? null, worker ?? null, id);
  }

  sweeps(): { name: string; spec: SweepSpec }[] {
    const rows = this.db.prepare('SELECT name, spec FROM sweeps ORDER BY created_at, name').all() as { name: string; spec: string }[];
    return rows.map((r) => ({ name: r.name, spec: JSON.parse(r.spec) as SweepSpec }));
  }

  trials(sweep?: string): TrialRow[] {
    const rows = (
      sweep === undefined
        ? this.db.prepare('SELECT * FROM trials ORDER BY sweep, idx').all()
        : this.db.prepare('SELECT * FROM trials WHERE sweep = ? ORDER BY idx').all(sweep)
    ) as RawRow[];
    return rows.map(toTrialRow);
  }

  trial(id: string): TrialRow | undefined {
    const row = this.db.prepare('SELECT * FROM trials WHERE id = ?').get(id) as RawRow | undefined;
    return row && toTrialRow(row);
  }

  /** Final weights of a done trial, as float32 arrays by parameter name in `names` order. */
  weights(id: string, shapes: { name: string; size: number }[]): Record<string, Float32Array> | null {
    const row = this.db.prepare('SELECT weights FROM trials WHERE id = ?').get(id) as { weights: Buffer | null } | undefined;
    if (!row?.weights) return null;
    const total = shapes.reduce((s, p) => s + p.size, 0);
    if (row.weights.byteLength !== total * 4) throw new Error(`${this.file}: trial ${id} holds ${row.weights.byteLength} bytes of weights, expected ${total * 4}`);
    const copy = new Float32Array(new Uint8Array(row.weights).buffer);
    const out: Record<string, Float32Array> = {};
    let offset = 0;
    for (const p of shapes) {
      out[p.name] = copy.slice(offset, offset + p.size);
      offset += p.size;
    }
    return out;
  }

  counts(sweep: string): Record<TrialStatus, number> {
    const out: Record<TrialStatus, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM trials WHERE sweep = ? GROUP BY status').all(sweep) as { status: TrialStatus; n: number }[];
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** The mean wall time of a sweep's done trials (null before the first), without reading their rows. */
  meanWallSeconds(sweep: string): number | null {
    const row = this.db.prepare("SELECT AVG(wall_seconds) AS mean FROM trials WHERE sweep = ? AND status = 'done' AND wall_seconds IS NOT NULL").get(sweep) as { mean: number | null };
    return row.mean;
  }
}

function toTrialRow(r: RawRow): TrialRow {
  return {
    id: r.id,
    sweep: r.sweep,
    index: r.idx,
    overrides: JSON.parse(r.overrides),
    config: JSON.parse(r.config),
    status: r.status,
    attempts: r.attempts,
    worker: r.worker,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    wallSeconds: r.wall_seconds,
    trainAccuracy: r.train_accuracy,
    validAccuracy: r.valid_accuracy,
    testAccuracy: r.test_accuracy,
    testLoss: r.test_loss,
    spikesPerNeuron: r.spikes_per_neuron,
    history: JSON.parse(r.history),
    results: r.results === null ? null : JSON.parse(r.results),
    network: r.network === null ? null : JSON.parse(r.network),
    error: r.error,
  };
}
