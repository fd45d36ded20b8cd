/**
 * `--export-h5`: splits written in the SHD HDF5 layout read back by spikegrad's own SHD reader (the same events,
 * labels, speakers and class names) and, where Debian's h5py is installed, by h5py (the tool the SHD files are
 * made for); analog splits as /inputs. Skipped, with the reason, where the optional HDF5 addon was not built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { AnalogDataset, EventDataset } from '../src/data/dataset.js';
import { exportSplitsH5, hdf5ExportAvailable } from '../src/data/export-h5.js';
import { openHdf5 } from '../src/data/hdf5.js';
import { parseHeidelbergOptions, readHeidelbergFile } from '../src/data/shd.js';
import { Rng } from '../src/util/rng.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-h5-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const available = hdf5ExportAvailable();
const python = '/usr/bin/python3';
const hasH5py = existsSync(python) && spawnSync(python, ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0;

/** Random events on a grid of `steps` x `inputs`, sorted by step, with repeats of a unit in one step. */
function events(name: string, size: number, seed: number): EventDataset {
  const rng = new Rng(seed);
  const offsets = new Float64Array(size + 1);
  const times: number[] = [];
  const units: number[] = [];
  for (let i = 0; i < size; i++) {
    const n = rng.int(30);
    const sample = Array.from({ length: n }, () => [rng.int(50), rng.int(12)]).sort((a, b) => a[0] - b[0]);
    if (n > 0) sample.push([...sample[n - 1]]);
    for (const [t, u] of sample) {
      times.push(t);
      units.push(u);
    }
    offsets[i + 1] = times.length;
  }
  const labels = Int32Array.from({ length: size }, (_, i) => i % 3);
  const groups = Int32Array.from({ length: size }, (_, i) => 10 + (i % 4));
  return new EventDataset({ name, classes: 3, inputs: 12, steps: 50, offsets, times: Int32Array.from(times), units: Int32Array.from(units), labels, groups, classNames: ['null', 'fünf', 'two'] });
}

/** A sample's events as sorted "step:unit" strings. */
function eventSet(d: EventDataset, i: number): string[] {
  const s = d.get(i);
  return Array.from(s.times, (t, k) => `${t}:${s.units[k]}`).sort();
}

describe.skipIf(!available)('export to the SHD HDF5 layout', () => {
  it('spike splits read back by the SHD reader with the same events, labels, speakers and class names', async () => {
    const splits = { train: events('x/train', 9, 1), valid: events('x/valid', 4, 2), test: events('x/test', 5, 3) };
    const dir = path.join(tmp, 'events');
    const files = exportSplitsH5(splits, dir, 'spoken', 0.002);
    expect(files.map((f) => path.basename(f))).toEqual(['spoken_train.h5', 'spoken_valid.h5', 'spoken_test.h5']);
    expect(readdirSync(dir).sort()).toEqual(['spoken_test.h5', 'spoken_train.h5', 'spoken_valid.h5']);
    const options = parseHeidelbergOptions({ dt: 0.002, steps: 50, inputs: 12, multiple: 'count', verify: false });
    for (const name of ['train', 'valid', 'test'] as const) {
      const { data, report } = await readHeidelbergFile(path.join(dir, `spoken_${name}.h5`), options, name);
      const original = splits[name];
      expect(report.dropped).toBe(0);
      expect(data.size).toBe(original.size);
      expect(Array.from(data.labels)).toEqual(Array.from(original.labels));
      expect(Array.from(data.groups!)).toEqual(Array.from(original.groups!));
      expect(data.classNames).toEqual(['null', 'fünf', 'two']);
      for (let i = 0; i < data.size; i++) expect(eventSet(data, i)).toEqual(eventSet(original, i));
    }
  });

  it.skipIf(!hasH5py)('is read by h5py as the SHD files are: vlen float times in seconds, vlen uint16 units', () => {
    const dir = path.join(tmp, 'h5py');
    exportSplitsH5({ train: events('t', 6, 4), valid: events('v', 2, 5), test: events('s', 3, 6) }, dir, 'x', 0.001);
    const script = [
      'import h5py, json, sys',
      'f = h5py.File(sys.argv[1], "r")',
      't = f["spikes/times"]; u = f["spikes/units"]',
      'print(json.dumps({"times": str(h5py.check_vlen_dtype(t.dtype)), "units": str(h5py.check_vlen_dtype(u.dtype)), "n": len(t),',
      '  "first": [float(x) for x in t[0]], "firstUnits": [int(x) for x in u[0]], "labels": [int(x) for x in f["labels"][:]],',
      '  "keys": [k.decode() if isinstance(k, bytes) else k for k in f["extra/keys"][:]], "speaker": [int(x) for x in f["extra/speaker"][:]]}))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script, path.join(dir, 'x_train.h5')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const d = events('t', 6, 4);
    expect(out).toMatchObject({ times: 'float32', units: 'uint16', n: 6, labels: Array.from(d.labels), keys: ['null', 'fünf', 'two'], speaker: Array.from(d.groups!) });
    const s = d.get(0);
    expect(out.first).toEqual(Array.from(s.times, (t) => Math.fround((t + 0.5) * 0.001)));
    expect(out.firstUnits).toEqual(Array.from(s.units));
  });

  it('writes analog splits as /inputs [samples][steps][channels]', async () => {
    const make = (n: number, seed: number) => {
      const rng = new Rng(seed);
      return new AnalogDataset({ name: 'a', classes: 2, inputs: 5, steps: 7, values: Float32Array.from({ length: n * 35 }, () => rng.uniform() - 0.5), labels: Int32Array.from({ length: n }, (_, i) => i % 2) });
    };
    const splits = { train: make(4, 1), valid: make(2, 2), test: make(3, 3) };
    const dir = path.join(tmp, 'analog');
    exportSplitsH5(splits, dir, 'log-mel', 0.002);
    const h5 = await openHdf5(path.join(dir, 'log-mel_test.h5'));
    try {
      const inputs = h5.get('inputs') as { shape: number[]; value: Float32Array };
      expect(inputs.shape).toEqual([3, 7, 5]);
      expect(Array.from(inputs.value)).toEqual(Array.from(splits.test.values));
      expect(Array.from((h5.get('labels') as { value: Uint16Array }).value)).toEqual([0, 1, 0]);
    } finally {
      h5.close();
    }
  });

  it('refuses values the layout cannot hold, naming them, and leaves no file behind', () => {
    const d = events('big', 3, 7);
    const wide = new EventDataset({ ...d, name: 'wide', inputs: 70000, units: Int32Array.from(d.units, (u, k) => (k === 0 ? 69999 : u)) });
    const dir = path.join(tmp, 'refused');
    expect(() => exportSplitsH5({ train: wide, valid: d, test: d }, dir, 'w', 0.001)).toThrow(/wide units\[0\] = 69999: the SHD layout stores it as uint16/);
    expect(() => exportSplitsH5({ train: d, valid: d, test: d }, dir, 'w', 0)).toThrow(/dt must be a positive number/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('export to HDF5 without the addon', () => {
  it('says what to install', () => {
    const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
    const script = `import('${path.join(root, 'dist', 'index.js')}').then(async (m) => { const { exportSplitsH5 } = await import('${path.join(root, 'dist', 'data', 'export-h5.js')}'); exportSplitsH5({}, '${tmp}/none', 'x', 0.001); }).catch((e) => { console.error(e.message); process.exit(1); })`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, SPIKEGRAD_HDF5_ADDON: path.join(tmp, 'missing.node') }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--export-h5: this spikegrad has no HDF5 writer .*apt-get install libhdf5-dev/);
  });
});
