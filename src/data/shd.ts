/**
 * SHD / SSC (Spiking Heidelberg Digits / Speech Commands, Cramer et al. 2020): HDF5 files the user brings, with
 * /spikes/times (per sample a variable-length array of spike times in seconds), /spikes/units, /labels,
 * /extra/keys (class names) and /extra/speaker. Spike times are binned into steps of dt seconds; several spikes
 * of a unit in one bin are clipped to one event or kept (counted); events outside [0, steps * dt) are dropped and
 * counted.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { parseWithSchema } from '../util/validate.js';
import type { DatasetSplits, EventDataset } from './dataset.js';
import { EventsBuilder } from './events-builder.js';
import { asHdf5Error, datasetLength, forEachVlen, openHdf5, readPlain } from './hdf5.js';
import { HDF5_STALL_SECONDS, readHeidelbergInWorker } from './hdf5-worker-client.js';
import { holdOutGroups, holdOutRandom } from './splits.js';

export type HeidelbergName = 'shd' | 'ssc';

/** md5 of the official files, checked when files of these names are read. */
export const OFFICIAL_MD5: Record<string, string> = {
  'shd_train.h5': '8e9877c85f29a28dd353ea6a54402667',
  'shd_test.h5': '207ad1295a0ab611e22d1734989c254e',
};

/**
 * Options of SHD/SSC: directory of the HDF5 files, inputs (700), steps and dt or maxTime for binning, clipping or
 * counting of several spikes per bin, validation split, md5 verification.
 */
export const HeidelbergOptionsSchema = z
  .object({
    /** Directory holding shd_train.h5 and shd_test.h5 (or ssc_train/valid/test.h5). */
    path: z.string().min(1).optional(),
    steps: z.number().int().min(1).max(65535).default(100),
    /** Seconds per step; default maxTime / steps. */
    dt: z.number().positive().finite().optional(),
    /** Window length in seconds when dt is not given. */
    maxTime: z.number().positive().finite().default(1.0),
    /** Several spikes of a unit in one step: 'clip' to one event, or 'count' (keep them all). */
    multiple: z.enum(['clip', 'count']).default('clip'),
    /** SHD validation split: a seeded random fraction, or whole speakers held out. SSC has its own file. */
    validation: z.enum(['random', 'speaker']).default('random'),
    validFraction: z.number().min(0).lt(1).default(0.1),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    /** Input channels. */
    inputs: z.number().int().min(1).max(65535).default(700),
    /** Check the md5 of files named like the official ones. */
    verify: z.boolean().default(true),
    /** Use only the first N samples of each file (quick runs). */
    limit: z.number().int().min(1).optional(),
  })
  .strict();

export type HeidelbergOptions = z.output<typeof HeidelbergOptionsSchema>;

export function parseHeidelbergOptions(input: unknown): HeidelbergOptions {
  const o = parseWithSchema(HeidelbergOptionsSchema, input ?? {}, 'SHD/SSC options');
  return o;
}

export function defaultDataDir(name: string): string {
  const root = process.env.SPIKEGRAD_DATA ?? path.join(process.env.HOME ?? '.', 'spikegrad-data');
  return path.join(root, name);
}

export function heidelbergFiles(name: HeidelbergName, dir: string): Record<'train' | 'valid' | 'test', string | undefined> {
  const f = (split: string) => path.join(dir, `${name}_${split}.h5`);
  const files = { train: f('train'), valid: name === 'ssc' ? f('valid') : undefined, test: f('test') };
  const missing = Object.values(files).filter((p): p is string => p !== undefined && !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `${name.toUpperCase()} not found: missing ${missing.map((p) => path.basename(p)).join(', ')} in ${dir}. ` +
        `Download the Spiking Heidelberg Datasets (https://zenkelab.org/datasets/, ${name}_*.h5.gz), gunzip them ` +
        `into one directory and pass --data-path DIR (config: dataset.path) (or set SPIKEGRAD_DATA to the parent of ${name}/).`,
    );
  }
  return files;
}

export async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Statistics of one file's binning. */
export interface BinningReport {
  file: string;
  samples: number;
  spikes: number;
  /** Spikes outside [0, steps * dt) (or not finite), dropped. */
  dropped: number;
  /** Spikes merged into an existing event of the same unit and step ('clip'). */
  clipped: number;
}

/**
 * Reads one SHD/SSC file. The HDF5 library runs in a worker thread (hdf5-worker.ts): on some damaged files it
 * loops forever inside one read, which no code on the calling thread could interrupt. The worker reports
 * progress every few hundred samples; when it has not for `stallSeconds` it is stopped and the read fails with an
 * error naming the file.
 */
export async function readHeidelbergFile(
  file: string,
  o: HeidelbergOptions,
  name: string,
  stallSeconds = HDF5_STALL_SECONDS,
): Promise<{ data: EventDataset; report: BinningReport }> {
  const expected = OFFICIAL_MD5[path.basename(file)];
  if (o.verify && expected) {
    const actual = await md5File(file);
    if (actual !== expected) {
      throw new Error(`${file}: md5 ${actual} differs from the official ${expected}; the download is damaged (or pass verify: false / --no-verify)`);
    }
  }
  return readHeidelbergInWorker(file, o, name, stallSeconds);
}

/** The reading itself, on this thread (the worker's job); `onProgress` is called every 256 samples. */
export async function readHeidelbergHdf5(
  file: string,
  o: HeidelbergOptions,
  name: string,
  onProgress: () => void = () => undefined,
): Promise<{ data: EventDataset; report: BinningReport }> {
  const h5 = await openHdf5(file);
  try {
    const dt = o.dt ?? o.maxTime / o.steps;
    const window = dt * o.steps;
    const total = datasetLength(h5, 'spikes/times');
    if (datasetLength(h5, 'spikes/units') !== total) throw new Error(`${file}: /spikes/times and /spikes/units have different numbers of samples`);
    const labels = readPlain(h5, 'labels') as number[];
    if (labels.length !== total) throw new Error(`${file}: ${labels.length} labels for ${total} samples`);
    const n = Math.min(total, o.limit ?? Infinity);
    const names = h5.keys().includes('extra') && (h5.get('extra') as { keys(): string[] }).keys().includes('keys')
      ? (readPlain(h5, 'extra/keys') as unknown[]).map((k) => String(k))
      : undefined;
    const speakers = h5.keys().includes('extra') && (h5.get('extra') as { keys(): string[] }).keys().includes('speaker')
      ? (readPlain(h5, 'extra/speaker') as number[])
      : undefined;

    // Units first (small integers, kept compactly), then times binned on the fly.
    const unitOffsets = new Float64Array(n + 1);
    let unitStore = new Int32Array(1 << 16);
    forEachVlen(h5, 'spikes/units', (i, values, length) => {
      if (i % 256 === 0) onProgress();
      if (i >= n) return;
      const at = unitOffsets[i];
      if (at + length > unitStore.length) {
        const grown = new Int32Array(Math.max(at + length, 2 * unitStore.length));
        grown.set(unitStore.subarray(0, at));
        unitStore = grown;
      }
      for (let j = 0; j < length; j++) {
        const u = values[j];
        if (!Number.isInteger(u) || u < 0 || u >= o.inputs) {
          throw new Error(`${file}: sample ${i} has unit ${u}, expected an integer in [0, ${o.inputs}) (set inputs to the channel count)`);
        }
        unitStore[at + j] = u;
      }
      unitOffsets[i + 1] = at + length;
    });

    const report: BinningReport = { file, samples: n, spikes: 0, dropped: 0, clipped: 0 };
    let classes = names?.length ?? 0;
    for (let i = 0; i < n; i++) classes = Math.max(classes, labels[i] + 1);
    const builder = new EventsBuilder(o.steps - 1, o.inputs - 1, 1 << 20);
    let keys = new Float64Array(1 << 12);
    let outSteps = new Int32Array(1 << 12);
    let outUnits = new Int32Array(1 << 12);
    forEachVlen(h5, 'spikes/times', (i, times, length) => {
      if (i % 256 === 0) onProgress();
      if (i >= n) return;
      const begin = unitOffsets[i];
      if (unitOffsets[i + 1] - begin !== length) {
        throw new Error(`${file}: sample ${i} has ${length} spike times but ${unitOffsets[i + 1] - begin} units`);
      }
      const label = labels[i];
      if (!Number.isInteger(label) || label < 0) throw new Error(`${file}: label ${label} of sample ${i} is not a class index`);
      if (length > keys.length) {
        keys = new Float64Array(length);
        outSteps = new Int32Array(length);
        outUnits = new Int32Array(length);
      }
      let kept = 0;
      for (let j = 0; j < length; j++) {
        const t = times[j];
        const step = Math.floor(t / dt);
        if (!(t >= 0 && t < window) || step >= o.steps) {
          report.dropped++;
          continue;
        }
        keys[kept++] = step * o.inputs + unitStore[begin + j];
      }
      report.spikes += length;
      const sorted = keys.subarray(0, kept).sort();
      let m = 0;
      for (let j = 0; j < kept; j++) {
        if (o.multiple === 'clip' && j > 0 && sorted[j] === sorted[j - 1]) {
          report.clipped++;
          continue;
        }
        outSteps[m] = Math.floor(sorted[j] / o.inputs);
        outUnits[m] = sorted[j] % o.inputs;
        m++;
      }
      builder.addSample(outSteps, outUnits, m, label, speakers ? speakers[i] : 0);
    });
    const data = builder.build({ name, classes, inputs: o.inputs, steps: o.steps, classNames: names, withGroups: speakers !== undefined });
    return { data, report };
  } catch (err) {
    // A damaged file can fail inside any h5wasm call (metadata, shapes, keys): its HDF5 error stack becomes one
    // line that names the file.
    throw asHdf5Error(file, err);
  } finally {
    h5.close();
  }
}

/** Reads the Spiking Heidelberg Datasets (SHD or SSC) from their HDF5 files into event data sets on the simulation grid. */
export async function loadHeidelberg(
  name: HeidelbergName,
  o: HeidelbergOptions,
): Promise<{ splits: DatasetSplits<EventDataset>; reports: BinningReport[]; validSpeakers?: number[] }> {
  const dir = o.path ?? defaultDataDir(name);
  const files = heidelbergFiles(name, dir);
  const train = await readHeidelbergFile(files.train!, o, `${name}/train`);
  const test = await readHeidelbergFile(files.test!, o, `${name}/test`);
  const classes = Math.max(train.data.classes, test.data.classes);
  const reports = [train.report, test.report];
  // Train and test must agree on the class count even if one file lacks the highest label.
  const withClasses = (d: EventDataset) => (d.classes === classes ? d : d.withClasses(classes));
  if (files.valid) {
    const valid = await readHeidelbergFile(files.valid, o, `${name}/valid`);
    reports.push(valid.report);
    return { splits: { train: withClasses(train.data), valid: withClasses(valid.data), test: withClasses(test.data) }, reports };
  }
  if (o.validation === 'speaker') {
    const { train: t, valid, validGroups } = holdOutGroups(train.data, o.validFraction, o.seed);
    return { splits: { train: withClasses(t), valid: withClasses(valid), test: withClasses(test.data) }, reports, validSpeakers: validGroups };
  }
  const { train: t, valid } = holdOutRandom(train.data, o.validFraction, o.seed);
  return { splits: { train: withClasses(t), valid: withClasses(valid), test: withClasses(test.data) }, reports };
}
