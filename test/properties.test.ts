/**
 * Property-based tests (fast-check) of everything that reads input from outside: config schemas, sweep specs and
 * their field paths, the IDX, HDF5 and checkpoint readers fed with mutated files, and the batch builder. Every
 * input must end in a correct result or in the reader's own error naming the file or field: never a TypeError,
 * a RangeError from deep inside, a hang or a polluted prototype.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { epochBatches } from '../src/data/batches.js';
import { EventDataset } from '../src/data/dataset.js';
import { Hdf5Error } from '../src/data/hdf5.js';
import { IdxError, parseIdx, readIdxFile } from '../src/data/idx.js';
import { parseHeidelbergOptions, readHeidelbergFile } from '../src/data/shd.js';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../src/io/checkpoint.js';
import { parseNetworkConfig } from '../src/model/config.js';
import { expandTrials, parseSweepSpec } from '../src/sweep/spec.js';
import { parseTrainConfig } from '../src/train/train-config.js';
import { ConfigError } from '../src/util/errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-properties-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** JSON-like values, including the awkward ones: huge and negative numbers, NaN, empty and odd strings. */
const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e300, Number.NaN, Number.POSITIVE_INFINITY, '', 'randman', '__proto__', null, true, [], {}),
  fc.string(),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** A copy of `value` with the leaf or object at a random path replaced. */
function mutateAt(value: unknown, choices: number[], replacement: unknown): unknown {
  if (choices.length === 0 || value === null || typeof value !== 'object') return replacement;
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as never) : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[choices[0] % keys.length];
  copy[key] = mutateAt(copy[key], choices.slice(1), replacement);
  return copy;
}

const validTrain = parseTrainConfig({ network: { layers: [{ size: 8, recurrent: true }] }, regularizers: [{ kind: 'upper', power: 1, strength: 1, threshold: 2 }] });

describe('config schemas', () => {
  it('a config with any field replaced by any value parses or fails with a ConfigError naming a field', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 5 }), anyValue, (choices, replacement) => {
        const input = mutateAt(validTrain, choices, replacement);
        try {
          const config = parseTrainConfig(input);
          expect(config.epochs).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).issues.length).toBeGreaterThan(0);
        }
        try {
          parseNetworkConfig(mutateAt({ inputs: 3, outputs: 2, ...validTrain.network }, choices, replacement));
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('arbitrary values at the top level never throw anything but a ConfigError', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          parseTrainConfig(input);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('sweep specs', () => {
  const segment = fc.oneof(fc.constantFrom('network', 'surrogate', 'scale', 'lr', 'seed', 'layers', 'regularizers', '__proto__', 'constructor', 'prototype', 'toString'), fc.string({ maxLength: 6 }));
  const fieldPath = fc
    .array(fc.tuple(segment, fc.option(fc.nat({ max: 3 }))), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.map(([s, i]) => (i === null ? s : `${s}[${i}]`)).join('.'));

  it('any field path and values expand to validated trials or a ConfigError, and never reach a prototype', () => {
    fc.assert(
      fc.property(fieldPath, fc.array(anyValue, { minLength: 1, maxLength: 3 }), fc.boolean(), (field, values, asList) => {
        const input = asList ? { name: 's', base: { regularizers: [{ kind: 'lower' }] }, list: values.map((v) => ({ [field]: v })) } : { name: 's', grid: { [field]: values } };
        try {
          const trials = expandTrials(parseSweepSpec(input));
          for (const t of trials) expect(t.config.epochs).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
        // An assignment through a prototype would leave an enumerable key on Object.prototype.
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: 1500 },
    );
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

/** A valid IDX file: 3 images of 4 x 5 bytes. */
function idxImages(): Uint8Array {
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
  return new Uint8Array(Buffer.concat([header, Buffer.from(Array.from({ length: 60 }, (_, i) => i))]));
}

/** Flips, overwrites, truncates or extends bytes of a file. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ maxLength: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') out[m.at % out.length] ^= 1 << m.bit;
    else if (m.kind === 'set') out[m.at % out.length] = m.value;
    else if (m.kind === 'truncate') out = out.subarray(0, m.at % out.length);
    else out = Uint8Array.from([...out, ...m.bytes]);
  }
  return out;
}

describe('file readers fed with mutated files', () => {
  it('IDX: a mutated file parses to a consistent array or fails with an IdxError naming it', () => {
    const good = idxImages();
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (mutations, gzip) => {
        const bytes = mutate(gzip ? gzipSync(good) : good, mutations);
        const file = path.join(tmp, gzip ? 'm.idx.gz' : 'm.idx');
        writeFileSync(file, bytes);
        try {
          const a = readIdxFile(file);
          expect(a.data.length).toBe(a.shape.reduce((n, d) => n * d, 1));
        } catch (err) {
          expect(err).toBeInstanceOf(IdxError);
          expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
        }
        try {
          parseIdx(bytes, 'bytes');
        } catch (err) {
          expect(err).toBeInstanceOf(IdxError);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('checkpoint: a mutated file is read exactly or refused with a CheckpointError naming it', () => {
    const file = path.join(tmp, 'good.sgck');
    const config = parseTrainConfig({ epochs: 2 });
    const network = parseNetworkConfig({ inputs: 2, outputs: 2, layers: [{ size: 3 }] });
    writeCheckpoint(file, {
      version: 1,
      spikegrad: 'test',
      createdAt: '',
      config,
      network,
      rng: { kind: 'derived-per-epoch', seed: 1, nextEpoch: 0 },
      state: { epoch: 0, history: [], best: null, bestParameters: null, sinceImprovement: 0, optimizer: { step: 0, slots: {} }, stopped: null },
      parameters: { 'hidden.0.input': new Float32Array(6).fill(0.5), readout: new Float32Array(6).fill(-0.5) },
      finished: false,
    });
    const good = readFileSync(file);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const bad = path.join(tmp, 'bad.sgck');
        writeFileSync(bad, mutate(good, mutations));
        try {
          const c = readCheckpoint(bad);
          expect(Array.from(c.parameters.readout)).toEqual(new Array(6).fill(-0.5));
        } catch (err) {
          expect(err).toBeInstanceOf(CheckpointError);
          expect((err as Error).message.startsWith(`${bad}: `)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('HDF5 (SHD layout): a mutated file is read or refused with an error naming it', async () => {
    // Found by this property in CI: one flipped bit in a dataspace message made h5wasm throw HDF5's whole
    // error stack from a metadata read; it now becomes one line naming the file.
    const found = Uint8Array.from([...readFileSync(path.join(fixtures, 'shd', 'f32', 'shd_train.h5')), 0]);
    found[1089374381 % found.length] ^= 1;
    writeFileSync(path.join(tmp, 'shd_train.h5'), found);
    await expect(readHeidelbergFile(path.join(tmp, 'shd_train.h5'), parseHeidelbergOptions({ path: tmp, inputs: 16, steps: 64, maxTime: 1, verify: false, validFraction: 0 }), 'shd')).rejects.toThrow(
      new RegExp(`^${path.join(tmp, 'shd_train.h5').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read: [^\\n]*$`),
    );
    const source = path.join(fixtures, 'shd', 'f32', 'shd_train.h5');
    const good = readFileSync(source);
    const options = parseHeidelbergOptions({ path: tmp, inputs: 16, steps: 64, maxTime: 1, verify: false, validFraction: 0 });
    // Also found by this property in CI: a mutation on which HDF5 looped inside one read and the test run never
    // ended. The read now runs in a worker that is stopped when it makes no progress (5 s here, for a file that
    // reads in well under a second), which ends in an Hdf5Error naming the file like any other damage.
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const file = path.join(tmp, 'shd_train.h5');
        writeFileSync(file, mutate(good, mutations));
        try {
          const { data } = await readHeidelbergFile(file, options, 'shd', 5);
          expect(data.offsets[data.size]).toBe(data.times.length);
        } catch (err) {
          expect((err as Error).message.startsWith(`${file}: `), (err as Error).message).toBe(true);
          if (!(err instanceof Hdf5Error)) expect(err).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 150 },
    );
    copyFileSync(source, path.join(tmp, 'shd_train.h5'));
  });
});

describe('batch builder', () => {
  it('every epoch visits every sample once, in batches whose offsets, times and units are consistent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 4 })), { maxLength: 6 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.nat({ max: 3 }),
        (samples, batchSize, shuffle, epoch) => {
          const offsets = new Float64Array(samples.length + 1);
          const times: number[] = [];
          const units: number[] = [];
          samples.forEach((events, i) => {
            for (const [t, u] of [...events].sort((a, b) => a[0] - b[0])) {
              times.push(t);
              units.push(u);
            }
            offsets[i + 1] = times.length;
          });
          const data = new EventDataset({
            name: 'p',
            classes: 3,
            inputs: 5,
            steps: 10,
            offsets,
            times: Int32Array.from(times),
            units: Int32Array.from(units),
            labels: Int32Array.from(samples, (_, i) => i % 3),
          });
          let seen = 0;
          let events = 0;
          for (const batch of epochBatches(data, epoch, { batchSize, shuffle, seed: 7 })) {
            if (!('offsets' in batch)) throw new Error('expected an event batch');
            expect(batch.size).toBeLessThanOrEqual(batchSize);
            expect(batch.offsets[0]).toBe(0);
            expect(batch.offsets[batch.size]).toBe(batch.times.length);
            for (let b = 0; b < batch.size; b++) {
              expect(batch.offsets[b + 1]).toBeGreaterThanOrEqual(batch.offsets[b]);
              for (let e = batch.offsets[b] + 1; e < batch.offsets[b + 1]; e++) expect(batch.times[e]).toBeGreaterThanOrEqual(batch.times[e - 1]);
            }
            for (const t of batch.times) expect(t >= 0 && t < 10).toBe(true);
            for (const u of batch.units) expect(u >= 0 && u < 5).toBe(true);
            seen += batch.size;
            events += batch.times.length;
          }
          expect(seen).toBe(samples.length);
          expect(events).toBe(times.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
