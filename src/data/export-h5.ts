/**
 * Writes data set splits in the Spiking Heidelberg Datasets' HDF5 layout, so other tools (h5py, tonic, the SHD
 * examples) read the same data: per split /spikes/times (seconds, one variable-length float32 array per sample),
 * /spikes/units, /labels, /extra/keys, /extra/speaker; analog input (log-mel) as /inputs [samples][steps][channels].
 * A spike at step n is written at the middle of its step, (n + 0.5) dt, so binning it again with dt gives step n.
 *
 * The writer is the optional HDF5 addon (native/hdf5), built where libhdf5 is found: h5wasm cannot write the
 * variable-length numeric arrays of this layout. Every file is written under a temporary name and renamed.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import { loadOptionalAddon, type OptionalAddon, REBUILD } from '../util/optional-addon.js';

import type { AnyDataset, DatasetSplits } from './dataset.js';

interface Hdf5Addon {
  writeSplit(file: string, split: Record<string, unknown>): void;
}

/** The HDF5 export cannot run here: the optional addon was not built (no libhdf5) or does not load. */
export class Hdf5UnavailableError extends Error {
  override readonly name = 'Hdf5UnavailableError';
  readonly code = 'ERR_SPIKEGRAD_NO_HDF5';
}

let addon: Hdf5Addon | undefined;

/** The optional HDF5 writer addon (built where libhdf5 is found). */
export const HDF5_ADDON: OptionalAddon = {
  file: 'spikegrad_hdf5.node',
  env: 'SPIKEGRAD_HDF5_ADDON',
  feature: '--export-h5',
  what: 'HDF5 writer',
  library: 'HDF5',
  install: `install the HDF5 library (Debian/Ubuntu: apt-get install libhdf5-dev) and ${REBUILD}`,
};

function loadAddon(): Hdf5Addon {
  addon ??= loadOptionalAddon<Hdf5Addon>(HDF5_ADDON, (message) => new Hdf5UnavailableError(message));
  return addon;
}

/** True when the HDF5 writer is available (for tests and `spikegrad info`). */
export function hdf5ExportAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

function uint16(values: ArrayLike<number>, what: string): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffff)) throw new RangeError(`${what}[${i}] = ${v}: the SHD layout stores it as uint16`);
    out[i] = v;
  }
  return out;
}

/** The arrays the addon writes for one split. */
function splitArrays(d: AnyDataset, dt: number): Record<string, unknown> {
  const common = {
    labels: uint16(d.labels, `${d.name} labels`),
    speakers: d.groups ? uint16(d.groups, `${d.name} groups`) : null,
    keys: Array.from({ length: d.classes }, (_, c) => d.classNames?.[c] ?? String(c)),
  };
  if (d.kind === 'analog') return { ...common, inputs: d.values, steps: d.steps, channels: d.inputs };
  const times = new Float32Array(d.times.length);
  for (let i = 0; i < times.length; i++) times[i] = (d.times[i] + 0.5) * dt;
  return { ...common, offsets: d.offsets, times, units: uint16(d.units, `${d.name} units`) };
}

/**
 * Writes `<dir>/<prefix>_train.h5`, `_valid.h5` and `_test.h5`; `dt` is the data set's step in seconds (spike times
 * are stored in seconds). Returns the files written.
 */
export function exportSplitsH5(splits: DatasetSplits<AnyDataset>, dir: string, prefix: string, dt: number): string[] {
  if (!(Number.isFinite(dt) && dt > 0)) throw new RangeError(`--export-h5: the step dt must be a positive number of seconds, got ${dt}`);
  const writer = loadAddon();
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const name of ['train', 'valid', 'test'] as const) {
    const file = path.join(dir, `${prefix}_${name}.h5`);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      writer.writeSplit(tmp, splitArrays(splits[name], dt));
      renameSync(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
    written.push(file);
  }
  return written;
}
