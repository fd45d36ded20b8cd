/** Worker thread of hdf5-worker-client.ts: runs one HDF5 read and posts its result. */
import { parentPort, workerData } from 'node:worker_threads';

import { asHdf5Error, Hdf5Error, openHdf5, readTree } from './hdf5.js';
import type { Hdf5Job, Hdf5WorkerMessage } from './hdf5-worker-client.js';
import { readHeidelbergHdf5 } from './shd.js';

const job = workerData as Hdf5Job;
const post = (m: Hdf5WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

try {
  if (job.kind === 'heidelberg') {
    const { data, report } = await readHeidelbergHdf5(job.file, job.options, job.name, () => post({ kind: 'progress' }));
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
    post({ kind: 'heidelberg', init, report }, [...buffers]);
  } else {
    const h5 = await openHdf5(job.file);
    try {
      post({ kind: 'tree', tree: readTree(h5, job.group) });
    } catch (err) {
      throw asHdf5Error(job.file, err);
    } finally {
      h5.close();
    }
  }
} catch (err) {
  post({ kind: 'failed', message: err instanceof Error ? err.message : String(err), hdf5: err instanceof Hdf5Error });
}
