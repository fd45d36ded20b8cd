/** Worker thread of readHeidelbergFile (shd-worker-client.ts): reads one file and posts the data set's arrays. */
import { parentPort, workerData } from 'node:worker_threads';

import { Hdf5Error } from './hdf5.js';
import { type HeidelbergOptions, readHeidelbergHdf5 } from './shd.js';
import type { ShdWorkerMessage } from './shd-worker-client.js';

const { file, options, name } = workerData as { file: string; options: HeidelbergOptions; name: string };
const post = (m: ShdWorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

try {
  const { data, report } = await readHeidelbergHdf5(file, options, name, () => post({ kind: 'progress' }));
  const init = {
    name: data.name,
    classes: data.classes,
    inputs: data.inputs,
    steps: data.steps,
    offsets: data.offsets,
    times: data.times,
    units: data.units,
    labels: data.labels,
    classNames: data.classNames,
    groups: data.groups,
  };
  const buffers = new Set([data.offsets, data.times, data.units, data.labels, data.groups].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : [])));
  post({ kind: 'done', init, report }, [...buffers]);
} catch (err) {
  post({ kind: 'failed', message: err instanceof Error ? err.message : String(err), hdf5: err instanceof Hdf5Error });
}
