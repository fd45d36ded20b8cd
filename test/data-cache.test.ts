import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadDataset } from '../src/data/registry.js';
import { eventsOf } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const config = { name: 'randman', classes: 3, units: 8, samplesPerClass: 50, steps: 40, seed: 2 };

function same(a: Awaited<ReturnType<typeof loadDataset>>, b: Awaited<ReturnType<typeof loadDataset>>): void {
  for (const split of ['train', 'valid', 'test'] as const) {
    const [x, y] = [eventsOf(a.splits[split]), eventsOf(b.splits[split])];
    expect(Array.from(y.times)).toEqual(Array.from(x.times));
    expect(Array.from(y.units)).toEqual(Array.from(x.units));
    expect(Array.from(y.labels)).toEqual(Array.from(x.labels));
    expect(Array.from(y.offsets)).toEqual(Array.from(x.offsets));
  }
}

describe('dataset cache', () => {
  const dir = path.join(tmp, 'cache');

  it('writes an entry, then reuses it with identical data', async () => {
    const first = await loadDataset(config, { cacheDir: dir });
    expect(first.fromCache).toBe(false);
    expect(first.cacheFile).toBeDefined();
    const second = await loadDataset(config, { cacheDir: dir });
    expect(second.fromCache).toBe(true);
    same(first, second);
  });

  it('never reuses an entry when any preprocessing parameter changes', async () => {
    const changed = await loadDataset({ ...config, alpha: 2 }, { cacheDir: dir });
    expect(changed.fromCache).toBe(false);
    const reseeded = await loadDataset({ ...config, seed: 3 }, { cacheDir: dir });
    expect(reseeded.fromCache).toBe(false);
    expect(new Set(readdirSync(dir)).size).toBe(3);
  });

  it.each([
    ['a flipped byte', (b: Buffer) => { b[b.length >> 1] ^= 0xff; return b; }],
    ['truncation', (b: Buffer) => b.subarray(0, b.length - 100)],
    ['garbage', () => Buffer.from('hello')],
  ])('rebuilds a corrupt entry (%s) instead of trusting it', async (_what, damage) => {
    const good = await loadDataset(config, { cacheDir: dir });
    writeFileSync(good.cacheFile!, damage(readFileSync(good.cacheFile!)));
    const messages: string[] = [];
    const rebuilt = await loadDataset(config, { cacheDir: dir, log: (m) => messages.push(m) });
    expect(rebuilt.fromCache).toBe(false);
    expect(messages.join('\n')).toMatch(/corrupt cache file .* rebuilding it/);
    same(good, rebuilt);
    expect((await loadDataset(config, { cacheDir: dir })).fromCache).toBe(true);
  });

  it('keeps working without a writable cache directory', async () => {
    const ro = path.join(tmp, 'readonly');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const messages: string[] = [];
    const isRoot = process.getuid?.() === 0;
    const r = await loadDataset(config, { cacheDir: path.join(ro, isRoot ? 'x' : 'sub'), log: (m) => messages.push(m) });
    expect(r.splits.train.size).toBe(120);
    if (!isRoot) expect(messages.join('\n')).toMatch(/could not write the dataset cache/);
    const blocked = path.join(tmp, 'a-file');
    writeFileSync(blocked, 'x');
    const r2 = await loadDataset(config, { cacheDir: path.join(blocked, 'cache'), log: (m) => messages.push(m) });
    expect(r2.splits.train.size).toBe(120);
    expect(messages.join('\n')).toMatch(/could not write the dataset cache/);
  });

  it('rejects unknown data sets and options with the field name', async () => {
    await expect(loadDataset({ name: 'cifar' })).rejects.toThrow(/name: Invalid option: expected one of "randman"\|"fashion-mnist"\|"mnist"\|"shd"\|"ssc"/);
    await expect(loadDataset({ name: 'fashion-mnist', alpha: 2 })).rejects.toThrow(/dataset config \(fashion-mnist\)[\s\S]*Unrecognized key: "alpha"/);
    await expect(loadDataset({ name: 'shd', multiple: 'sum' })).rejects.toThrow(/multiple: Invalid option: expected one of "clip"\|"count"/);
  });
});
