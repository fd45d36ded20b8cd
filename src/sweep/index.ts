/**
 * spikegrad/sweep: grids over training configs, a local pool of trial processes, a BullMQ queue for clusters and
 * the SQLite results store. Needs the optional packages better-sqlite3 (store) and bullmq + ioredis (queue).
 */
export { expandTrials, MAX_TRIALS, parseSweepSpec, SweepSpecSchema, trialId } from './spec.js';
export type { SweepSpec, Trial } from './spec.js';
export { loadSweepSpec, runSweep } from './run-sweep.js';
export type { SweepOptions, SweepSummary } from './run-sweep.js';
export { ResultStore, StoreError, SweepBusyError } from './store.js';
export type { TrialOutcome, TrialRow, TrialStatus } from './store.js';
export { allocateCores } from './local-pool.js';
export { runWorker } from './worker.js';
export type { WorkerOptions } from './worker.js';
export { DEFAULT_QUEUE_NAME } from './queue.js';
