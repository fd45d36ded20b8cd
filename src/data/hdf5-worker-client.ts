/**
 * Runs HDF5 reads of files from outside (SHD/SSC data, NIR graphs) in a worker thread (hdf5-worker.ts) and stops
 * the worker when it makes no progress: HDF5 loops forever inside a single read on some damaged files (found by
 * the property test of the SHD reader), and WebAssembly running on the calling thread cannot be interrupted.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { EventDataset } from './dataset.js';
import { Hdf5Error, type Hdf5Tree } from './hdf5.js';
import type { BinningReport, HeidelbergOptions } from './shd.js';

/** What a worker is asked to read. */
export type Hdf5Job =
  | { kind: 'heidelberg'; file: string; options: HeidelbergOptions; name: string }
  | { kind: 'tree'; file: string; group: string };

type EventDatasetInit = ConstructorParameters<typeof EventDataset>[0];

/** Seconds without progress after which a read is stopped (a chunk of 1024 SHD samples reads in well under one). */
export const HDF5_STALL_SECONDS = 30;

/** What the worker posts: progress, its result (arrays transferred), or the error it ended with. */
export type Hdf5WorkerMessage =
  | { kind: 'progress' }
  | { kind: 'heidelberg'; init: EventDatasetInit; report: BinningReport }
  | { kind: 'tree'; tree: Hdf5Tree }
  | { kind: 'failed'; message: string; hdf5: boolean };

/** The worker's entry: beside this module when compiled; the compiled one when this runs from source (tests). */
function workerEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'hdf5-worker.js'), path.join(here, '..', '..', 'dist', 'data', 'hdf5-worker.js')];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`cannot find the HDF5 reader's worker (looked for ${candidates.join(', ')}); run npm run build:ts`);
  return found;
}

/** An error the worker ended with, as the same class and message on this thread. */
function rebuildError(file: string, message: string, hdf5: boolean): Error {
  const prefix = `${file}: `;
  if (hdf5 && message.startsWith(prefix)) return new Hdf5Error(file, message.slice(prefix.length));
  return new Error(message);
}

/** Runs `job` in a worker; rejects with an Hdf5Error naming the file when it reports no progress for `stallSeconds`. */
function runHdf5Job(job: Hdf5Job, stallSeconds: number): Promise<Exclude<Hdf5WorkerMessage, { kind: 'progress' | 'failed' }>> {
  const { file } = job;
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), { workerData: job });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const stalled = () =>
      finish(() =>
        reject(new Hdf5Error(file, `cannot read: the HDF5 library made no progress for ${stallSeconds} s and was stopped; the file is probably damaged`)),
      );
    let timer = setTimeout(stalled, stallSeconds * 1000);
    worker.on('message', (m: Hdf5WorkerMessage) => {
      if (m.kind === 'progress') {
        clearTimeout(timer);
        timer = setTimeout(stalled, stallSeconds * 1000);
      } else if (m.kind === 'failed') {
        finish(() => reject(rebuildError(file, m.message, m.hdf5)));
      } else {
        finish(() => resolve(m));
      }
    });
    worker.on('error', (err) => finish(() => reject(new Hdf5Error(file, `cannot read: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new Hdf5Error(file, `cannot read: the reader stopped (exit code ${code})`))));
  });
}

/** An SHD/SSC file read into an event data set (readHeidelbergHdf5 in the worker). */
export async function readHeidelbergInWorker(
  file: string,
  options: HeidelbergOptions,
  name: string,
  stallSeconds: number,
): Promise<{ data: EventDataset; report: BinningReport }> {
  const m = await runHdf5Job({ kind: 'heidelberg', file, options, name }, stallSeconds);
  if (m.kind !== 'heidelberg') throw new Error(`${file}: the HDF5 worker answered a ${m.kind} job`);
  return { data: new EventDataset(m.init), report: m.report };
}

/** The group at `group` of an HDF5 file and everything below it (readTree in the worker). */
export async function readTreeInWorker(file: string, group: string, stallSeconds = HDF5_STALL_SECONDS): Promise<Hdf5Tree> {
  const m = await runHdf5Job({ kind: 'tree', file, group }, stallSeconds);
  if (m.kind !== 'tree') throw new Error(`${file}: the HDF5 worker answered a ${m.kind} job`);
  return m.tree;
}
