/**
 * Model files and prediction: a trained network saved as .safetensors (checked against the format's spec and read
 * by numpy) and loaded back predicts bit-identically; checkpoints load as models; damaged or foreign files are
 * refused with the file and tensor named; predict() equals forward().
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { Network } from '../src/index.js';
import { cli } from './sweep-fixtures.js';
import { readSafetensors, SafetensorsError, writeSafetensors } from '../src/io/safetensors.js';
import { runTraining } from '../src/train/run.js';
import { bitsEqual, randomEventBatch } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-models-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const config = { inputs: 12, outputs: 4, layers: [{ size: 24, recurrent: true }, { size: 16 }], readout: 'sum' as const, seed: 5, init: { kind: 'uniform' as const, gain: 4 } };

describe('safetensors', () => {
  it('follows the spec: u64 header length, JSON header padded to 8 bytes, contiguous little-endian data', () => {
    const file = path.join(tmp, 'spec.safetensors');
    writeSafetensors(file, { a: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [1], data: Float32Array.from([-0.5]) } }, { note: 'x' });
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + n));
    expect(header).toEqual({ __metadata__: { note: 'x' }, a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, b: { dtype: 'F32', shape: [1], data_offsets: [24, 28] } });
    expect(bytes.length).toBe(8 + n + 28);
    expect(bytes.readFloatLE(8 + n + 20)).toBe(6);
    expect(bytes.readFloatLE(8 + n + 24)).toBe(-0.5);
  });

  it('is read by numpy with the few lines the format needs', async (context) => {
    const python = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (python.status !== 0) {
      context.skip('python3-numpy is not installed (apt-get install python3-numpy)');
      return;
    }
    const net = new Network(config);
    const file = path.join(tmp, 'numpy.safetensors');
    await net.save(file);
    const script = `
import json, struct, sys, numpy as np
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop('__metadata__')
data = raw[8 + n:]
out = {k: np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype='<f4').reshape(v['shape']).astype(float).tolist() for k, v in header.items()}
print(json.dumps({'network': json.loads(meta['spikegrad.network']), 'tensors': out}))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.network).toEqual(JSON.parse(JSON.stringify(net.config)));
    for (const name of net.parameterNames) {
      const { rows, cols } = net.parameterShapes[name];
      expect(parsed.tensors[name]).toHaveLength(rows);
      expect(Float32Array.from(parsed.tensors[name].flat())).toEqual(net.parameters[name]);
      expect(parsed.tensors[name][0]).toHaveLength(cols);
    }
  });

  it('refuses damaged and foreign files with the file and tensor named; mutated files never crash the reader', () => {
    const good = path.join(tmp, 'good.safetensors');
    writeSafetensors(good, { w: { shape: [4, 4], data: new Float32Array(16).fill(0.25) } });
    const bytes = readFileSync(good);
    const n = Number(bytes.readBigUInt64LE(0));
    const withHeader = (header: unknown, data = bytes.subarray(8 + n)) => {
      const json = Buffer.from(JSON.stringify(header));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([length, json, data]);
    };
    const cases: [string, Buffer, RegExp][] = [
      ['short', Buffer.from([1, 2, 3]), /shorter than the 8-byte header length/],
      ['huge header length', Buffer.concat([Buffer.from([255, 255, 255, 255, 255, 255, 255, 127]), Buffer.alloc(16)]), /header length \d+ does not fit/],
      ['not JSON', withHeader('x').fill(0x41, 8, 10), /its header is not JSON|not a JSON object/],
      ['unknown dtype', withHeader({ w: { dtype: 'F33', shape: [4, 4], data_offsets: [0, 64] } }), /tensor w: unknown dtype "F33"/],
      ['shape mismatch', withHeader({ w: { dtype: 'F32', shape: [4, 5], data_offsets: [0, 64] } }), /tensor w: shape \[4, 5\] of F32 needs 80 bytes, data_offsets give 64/],
      ['past the end', withHeader({ w: { dtype: 'F32', shape: [32], data_offsets: [0, 128] } }), /lie outside the 64-byte data buffer/],
      ['hole', withHeader({ w: { dtype: 'F32', shape: [8], data_offsets: [32, 64] } }), /data_offsets start at 32, expected 0/],
      ['overlap', withHeader({ a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] }, b: { dtype: 'F32', shape: [12], data_offsets: [16, 64] } }), /tensor b: data_offsets start at 16, expected 32/],
      ['metadata not strings', withHeader({ __metadata__: { a: 1 }, w: { dtype: 'F32', shape: [4, 4], data_offsets: [0, 64] } }), /__metadata__\.a: expected a string/],
      ['integer weights', withHeader({ w: { dtype: 'I32', shape: [4, 4], data_offsets: [0, 64] } }), /dtype I32 is not float32-exact/],
    ];
    for (const [name, content, message] of cases) {
      const file = path.join(tmp, `${name.replaceAll(' ', '-')}.safetensors`);
      writeFileSync(file, content);
      expect(() => readSafetensors(file), name).toThrow(message);
      expect(() => readSafetensors(file), name).toThrow(SafetensorsError);
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (sets, cut) => {
        const mutated = Buffer.from(bytes);
        for (const [at, value] of sets) mutated[at % mutated.length] = value;
        const file = path.join(tmp, 'mutated.safetensors');
        writeFileSync(file, cut % 3 === 0 ? mutated.subarray(0, cut % mutated.length) : mutated);
        try {
          const r = readSafetensors(file);
          for (const t of Object.values(r.tensors)) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        } catch (err) {
          expect(err).toBeInstanceOf(SafetensorsError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Network.save / Network.load / predict', () => {
  it('a saved and loaded network predicts bit-identically', async () => {
    const net = new Network(config);
    const batch = randomEventBatch(3, 16, 60, 12, 4, 0.05);
    const before = await net.forward(batch);
    const file = path.join(tmp, 'net.safetensors');
    await net.save(file);
    const loaded = await Network.load(file, { threads: 1 });
    expect(loaded.config).toEqual(net.config);
    for (const name of net.parameterNames) expect(bitsEqual(loaded.parameters[name], net.parameters[name])).toBe(true);
    const after = await loaded.forward(batch);
    expect(bitsEqual(after.logits, before.logits)).toBe(true);
    const predicted = await loaded.predict(batch);
    expect(Array.from(predicted.labels)).toEqual(Array.from(before.predictions));
    expect(bitsEqual(predicted.scores, before.logits)).toBe(true);
  });

  it('loads the kept weights of a training checkpoint, and names unsupported formats', async () => {
    const out = path.join(tmp, 'run');
    const results = await runTraining({ dataset: { name: 'randman', classes: 3, units: 8, samplesPerClass: 40, steps: 40 }, network: { layers: [{ size: 16 }], init: { gain: 5 } }, epochs: 3, batchSize: 20 }, { out, cacheDir: path.join(tmp, 'cache') });
    const net = await Network.load(path.join(out, 'checkpoint.sgck'));
    expect(net.config).toEqual(results.network);
    const converted = path.join(tmp, 'from-checkpoint.safetensors');
    await net.save(converted);
    expect((await Network.load(converted)).parameters.readout).toEqual(net.parameters.readout);
    await expect(net.save(path.join(tmp, 'x.onnx'))).rejects.toThrow(/cannot write "\.onnx" files; expected \.safetensors or \.nir/);
    await expect(Network.load(path.join(tmp, 'x.onnx'))).rejects.toThrow(/cannot read "\.onnx" files; expected \.safetensors or \.nir or \.sgck/);
    const bare = path.join(tmp, 'bare.safetensors');
    writeSafetensors(bare, { w: { shape: [1], data: new Float32Array(1) } });
    await expect(Network.load(bare)).rejects.toThrow(/holds no spikegrad network \(metadata "spikegrad\.network"\)/);
  });

  it('spikegrad convert and spikegrad predict: a checkpoint to .safetensors, JSON lines equal to predict()', async () => {
    const net = new Network({ inputs: 6, outputs: 3, layers: [{ size: 12 }], init: { kind: 'uniform', gain: 6 } });
    const source = path.join(tmp, 'cli-source.safetensors');
    await net.save(source);
    const converted = path.join(tmp, 'cli-converted.safetensors');
    const convert = spawnSync(process.execPath, [cli, 'convert', source, converted], { encoding: 'utf8' });
    expect(convert.status, convert.stderr).toBe(0);
    const samples = [{ times: [0, 2, 5], units: [1, 3, 5] }, { times: [], units: [] }, { times: [1, 1, 9], units: [0, 2, 4] }];
    const input = path.join(tmp, 'samples.json');
    writeFileSync(input, JSON.stringify({ steps: 20, samples }));
    const run = spawnSync(process.execPath, [cli, 'predict', '--model', converted, '--input', input], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const direct = await net.predict({ size: 3, steps: 20, offsets: Int32Array.from([0, 3, 3, 6]), times: Int32Array.from([0, 2, 5, 1, 1, 9]), units: Int32Array.from([1, 3, 5, 0, 2, 4]) });
    expect(lines.map((l) => l.label)).toEqual(Array.from(direct.labels));
    expect(Float32Array.from(lines.flatMap((l) => l.scores))).toEqual(direct.scores);
    writeFileSync(input, JSON.stringify({ steps: 20, samples: [{ times: [1.5], units: [0] }] }));
    const bad = spawnSync(process.execPath, [cli, 'predict', '--model', converted, '--input', input], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/samples\[0\]: expected integer steps and units, got 1\.5/);
  });

  it('spikegrad predict reads .npz inputs written by numpy (np.savez and np.savez_compressed)', async (context) => {
    if (spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status !== 0) {
      context.skip('python3-numpy is not installed (apt-get install python3-numpy)');
      return;
    }
    const net = new Network({ inputs: 6, outputs: 3, layers: [{ size: 12 }], init: { kind: 'uniform', gain: 6 } });
    const model = path.join(tmp, 'npz-model.safetensors');
    await net.save(model);
    const events = path.join(tmp, 'events.npz');
    const analog = path.join(tmp, 'analog.npz');
    const script = `
import numpy as np, sys
np.savez(sys.argv[1], steps=np.int64(20), offsets=np.array([0, 3, 3, 6], dtype=np.int32), times=np.array([0, 2, 5, 1, 1, 9]), units=np.array([1, 3, 5, 0, 2, 4], dtype=np.uint16))
np.savez_compressed(sys.argv[2], values=np.linspace(0, 1, 2 * 20 * 6, dtype=np.float32).reshape(2, 20, 6))
`;
    const made = spawnSync('/usr/bin/python3', ['-c', script, events, analog], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const run = (input: string) => spawnSync(process.execPath, [cli, 'predict', '--model', model, '--input', input], { encoding: 'utf8' });
    const fromEvents = run(events);
    expect(fromEvents.status, fromEvents.stderr).toBe(0);
    const direct = await net.predict({ size: 3, steps: 20, offsets: Int32Array.from([0, 3, 3, 6]), times: Int32Array.from([0, 2, 5, 1, 1, 9]), units: Int32Array.from([1, 3, 5, 0, 2, 4]) });
    expect(fromEvents.stdout.trim().split('\n').map((l) => JSON.parse(l).label)).toEqual(Array.from(direct.labels));
    const fromValues = run(analog);
    expect(fromValues.status, fromValues.stderr).toBe(0);
    expect(fromValues.stdout.trim().split('\n')).toHaveLength(2);
    // A damaged archive names the file.
    const damaged = path.join(tmp, 'damaged.npz');
    writeFileSync(damaged, readFileSync(analog).subarray(0, 100));
    const bad = run(damaged);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/damaged\.npz: (not an \.npz \(zip\) archive|corrupt)/);
  });
});