import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { FASHION_MNIST_DIR, loadImageDataset, parseImageOptions } from '../src/data/images.js';
import { parseIdx, readIdxFile } from '../src/data/idx.js';
import { latencyStep, latencyTable } from '../src/data/latency.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function idx(type: number, shape: number[], payload: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}

describe('IDX reader', () => {
  it('reads unsigned bytes and big-endian ints and floats, raw or gzipped', () => {
    const bytes = idx(0x08, [2, 2, 3], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]));
    const a = parseIdx(bytes);
    expect(a.shape).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    const ints = new Uint8Array(8);
    new DataView(ints.buffer).setInt32(0, -7, false);
    new DataView(ints.buffer).setInt32(4, 123456, false);
    expect(Array.from(parseIdx(idx(0x0c, [2], ints)).data)).toEqual([-7, 123456]);
    const floats = new Uint8Array(4);
    new DataView(floats.buffer).setFloat32(0, 1.5, false);
    expect(Array.from(parseIdx(idx(0x0d, [1], floats)).data)).toEqual([1.5]);
    const file = path.join(tmp, 'x-idx3-ubyte.gz');
    writeFileSync(file, gzipSync(bytes));
    expect(Array.from(readIdxFile(file).data)).toEqual(Array.from(a.data));
  });

  it('reports corrupt and truncated files clearly', () => {
    const good = idx(0x08, [2, 3], new Uint8Array(6));
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'f')).toThrow(/f: truncated: shape \[2, 3\] of ubyte needs 18 bytes, file has 17/);
    expect(() => parseIdx(Uint8Array.from([...good, 0]), 'f')).toThrow(/has trailing bytes/);
    expect(() => parseIdx(Uint8Array.from([1, 2, 8, 1]), 'f')).toThrow(/not an IDX file: magic number starts with 0x0102/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x42, 1]), 'f')).toThrow(/unknown IDX data type 0x42/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]), 'f')).toThrow(/truncated header/);
    const file = path.join(tmp, 'bad.gz');
    writeFileSync(file, Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    expect(() => readIdxFile(file)).toThrow(/corrupt gzip data/);
  });
});

describe('latency code', () => {
  const o = { tauEff: 20, threshold: 0.2, steps: 100 };
  it('fires at floor(tau_eff ln(x / (x - theta))) for x > theta, never at or below theta or past T', () => {
    expect(latencyStep(1, o)).toBe(4); // 20 ln(1.25) = 4.46
    expect(latencyStep(0.5, o)).toBe(10); // 20 ln(5/3) = 10.2
    expect(latencyStep(0.25, o)).toBe(32); // 20 ln 5 = 32.2
    expect(latencyStep(0.21, o)).toBe(60); // 20 ln 21 = 60.9
    expect(latencyStep(0.201, o)).toBe(-1); // 20 ln 201 = 106 >= T
    expect(latencyStep(0.2, o)).toBe(-1);
    expect(latencyStep(0, o)).toBe(-1);
    const table = latencyTable(o);
    expect(table[255]).toBe(4);
    expect(table[128]).toBe(10); // 128/255 = 0.502: 20 ln(0.502/0.302) = 10.17
    expect(table[51]).toBe(-1); // exactly 0.2
  });
});

describe('image data sets', () => {
  // Two 2x2 training images and one test image.
  const dir = path.join(tmp, 'tiny');
  const write = (name: string, bytes: Uint8Array) => writeFileSync(path.join(dir, name), bytes);
  it('latency-codes images into sorted (step, pixel) events', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    write('train-images-idx3-ubyte', idx(0x08, [2, 2, 2], Uint8Array.from([255, 0, 128, 64, 0, 0, 0, 255])));
    write('train-labels-idx1-ubyte', idx(0x08, [2], Uint8Array.from([3, 7])));
    write('t10k-images-idx3-ubyte.gz', gzipSync(idx(0x08, [1, 2, 2], Uint8Array.from([60, 255, 255, 0]))));
    write('t10k-labels-idx1-ubyte.gz', gzipSync(idx(0x08, [1], Uint8Array.from([1]))));
    const splits = loadImageDataset('mnist', parseImageOptions({ path: dir, validFraction: 0 }));
    expect(splits.train.size).toBe(2);
    expect(splits.valid.size).toBe(0);
    const a = splits.train.get(0);
    // pixel 0: 255 -> step 4; pixel 2: 128 -> step 10; pixel 3: 64/255 = 0.251 -> floor(20 ln(0.251/0.051)) = 31
    expect(Array.from(a.times)).toEqual([4, 10, 31]);
    expect(Array.from(a.units)).toEqual([0, 2, 3]);
    expect(a.label).toBe(3);
    const t = splits.test.get(0);
    // pixels 1 and 2 fire at step 4 (sorted by pixel within a step); pixel 0: 60/255 = 0.2353 ->
    // floor(20 ln(0.2353 / 0.0353)) = floor(37.94) = 37
    expect(Array.from(t.times)).toEqual([4, 4, 37]);
    expect(Array.from(t.units)).toEqual([1, 2, 0]);
    expect(splits.train.inputs).toBe(4);
  });

  it('says where it looked and how to get missing data', () => {
    expect(() => loadImageDataset('fashion-mnist', parseImageOptions({ path: path.join(tmp, 'nowhere') }))).toThrow(
      /fashion-mnist: not found in .*nowhere \(missing train-images-idx3-ubyte\[\.gz\].*apt-get install dataset-fashion-mnist/,
    );
    expect(() => loadImageDataset('mnist', parseImageOptions({}))).toThrow(/mnist: no directory given/);
  });

  it.skipIf(!existsSync(FASHION_MNIST_DIR))('reads Fashion-MNIST from the Debian package', () => {
    const splits = loadImageDataset('fashion-mnist', parseImageOptions({ limit: 1200 }));
    expect(splits.train.size + splits.valid.size).toBe(1200);
    expect(splits.test.size).toBe(200);
    expect(splits.train.inputs).toBe(784);
    expect(splits.train.classNames?.[9]).toBe('Ankle boot');
    const spikes = splits.train.eventCount / splits.train.size;
    expect(spikes).toBeGreaterThan(200);
    expect(spikes).toBeLessThan(500);
  });
});
