/**
 * Errors a careless user meets name the file or field and say what is expected: directories where files belong,
 * a cache file that is a directory (rebuilt around, never fatal), configs nested absurdly deep, huge strings,
 * the data-path flag, and a time step longer than a time constant (a units mistake).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readIdxFile } from '../src/data/idx.js';
import { openHdf5 } from '../src/data/hdf5.js';
import { loadDataset } from '../src/data/registry.js';
import { Network } from '../src/model/network.js';
import { parseTrainConfig } from '../src/train/train-config.js';
import { readConfigFile } from '../src/util/config-file.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-messages-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('files that are directories', () => {
  it('names an IDX file or HDF5 file that is a directory', async () => {
    const idx = path.join(tmp, 'train-images-idx3-ubyte.gz');
    mkdirSync(idx);
    expect(() => readIdxFile(idx)).toThrow(`${idx}: is a directory, not an IDX file`);
    const h5 = path.join(tmp, 'shd_train.h5');
    mkdirSync(h5);
    await expect(openHdf5(h5)).rejects.toThrow(`${h5}: is a directory, not an HDF5 file`);
  });

  it('rebuilds around a cache file that is a directory instead of failing', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const options = { name: 'randman', classes: 2, units: 4, samplesPerClass: 20, steps: 20 };
    const logs: string[] = [];
    await loadDataset(options, { cacheDir, log: (m) => logs.push(m) });
    const [file] = readdirSync(cacheDir).filter((f) => f.endsWith('.sgds'));
    rmSync(path.join(cacheDir, file));
    mkdirSync(path.join(cacheDir, file));
    const again = await loadDataset(options, { cacheDir, log: (m) => logs.push(m) });
    expect(again.splits.train.size).toBe(32);
    expect(logs.join('\n')).toMatch(/cannot read it \(EISDIR\)\); rebuilding it/);
    expect(logs.join('\n')).toMatch(/warning: could not write the dataset cache .*; continuing without it/);
  });
});

describe('config files and values', () => {
  it('refuses a config nested absurdly deep, naming the file', () => {
    const json = path.join(tmp, 'deep.json');
    writeFileSync(json, `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(() => readConfigFile(json)).toThrow(`${json}: nested more than 32 levels deep`);
    const yaml = path.join(tmp, 'deep.yaml');
    writeFileSync(yaml, `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => readConfigFile(yaml)).toThrow(new RegExp(`${yaml}: nested (too deeply|more than 32 levels)`));
  });

  it('shortens a huge string in an error message', () => {
    try {
      parseTrainConfig({ dataset: { name: 'x'.repeat(5_000_000) } });
      expect.unreachable();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/dataset\.name: Invalid option: .*\(got "x{40}"\.\.\. \(a string of 5000000 characters\)\)/);
      expect(message.length).toBeLessThan(400);
    }
  });

  it('names --data-path when MNIST files are missing', async () => {
    await expect(loadDataset({ name: 'mnist', path: path.join(tmp, 'no-mnist') }, { cache: false })).rejects.toThrow(/pass --data-path DIR \(config: dataset\.path\)/);
  });

  it('refuses a time step longer than a time constant (times are in seconds)', () => {
    expect(() => new Network({ inputs: 2, outputs: 2, layers: [{ size: 3 }], neuron: { dt: 1 } })).toThrow(
      /neuron\.dt: the step dt = 1 s is longer than tauMem = 0\.01 s \(times are in seconds\)/,
    );
    expect(() => new Network({ inputs: 2, outputs: 2, layers: [{ size: 3 }], neuron: { dt: 2e-3, tauSyn: 1e-3 } })).toThrow(/longer than tauSyn/);
  });
});
