/**
 * Runs an SHD/SSC file read in a worker thread (shd-worker.ts) and stops it when it makes no progress: HDF5
 * loops forever inside a single read on some damaged files (found by the property test of the reader), and
 * WebAssembly running on the calling thread cannot be interrupted.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { EventDataset } from './dataset.js';
import { Hdf5Error } from './hdf5.js';
import type { BinningReport, HeidelbergOptions } from './shd.js';

/** What the worker posts: progress, the data set's arrays (transferred), or the error it ended with. */
export type ShdWorkerMessage =
  | { kind: 'progress' }
  | { kind: 'done'; init: ConstructorParameters<typeof EventDataset>[0]; report: BinningReport }
  | { kind: 'failed'; message: string; hdf5: boolean };

/** The worker's entry: beside this module when compiled; the compiled one when this runs from source (tests). */
function workerEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'shd-worker.js'), path.join(here, '..', '..', 'dist', 'data', 'shd-worker.js')];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`cannot find the SHD reader's worker (looked for ${candidates.join(', ')}); run npm run build:ts`);
  return found;
}

/** An error the worker ended with, as the same class and message on this thread. */
function rebuildError(file: string, message: string, hdf5: boolean): Error {
  const prefix = `${file}: `;
  if (hdf5 && message.startsWith(prefix)) return new Hdf5Error(file, message.slice(prefix.length));
  return new Error(message);
}

export function readHeidelbergInWorker(
  file: string,
  options: HeidelbergOptions,
  name: string,
  stallSeconds: number,
): Promise<{ data: EventDataset; report: BinningReport }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), { workerData: { file, options, name } });
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
    worker.on('message', (m: ShdWorkerMessage) => {
      if (m.kind === 'progress') {
        clearTimeout(timer);
        timer = setTimeout(stalled, stallSeconds * 1000);
      } else if (m.kind === 'done') {
        finish(() => resolve({ data: new EventDataset(m.init), report: m.report }));
      } else {
        finish(() => reject(rebuildError(file, m.message, m.hdf5)));
      }
    });
    worker.on('error', (err) => finish(() => reject(new Hdf5Error(file, `cannot read: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new Hdf5Error(file, `cannot read: the reader stopped (exit code ${code})`))));
  });
}
