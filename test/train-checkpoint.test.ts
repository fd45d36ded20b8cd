import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createHash } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { type Checkpoint, readCheckpoint, writeCheckpoint } from '../src/io/checkpoint.js';
import { parseNetworkConfig } from '../src/model/config.js';
import { parseTrainConfig } from '../src/train/train-config.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sample(): Checkpoint {
  const config = parseTrainConfig({ epochs: 3, lr: 0.01 });
  return {
    version: 1,
    spikegrad: '0.1.0',
    createdAt: '2026-11-28T00:00:00.000Z',
    config,
    network: parseNetworkConfig({ inputs: 2, outputs: 2, layers: [{ size: 3 }] }),
    rng: { kind: 'derived-per-epoch', seed: 1, nextEpoch: 2 },
    state: {
      epoch: 2,
      history: [1, 2].map((epoch) => ({
        epoch,
        lr: 0.01,
        train: { samples: 10, loss: 1, crossEntropy: 1, regularization: 0, accuracy: 0.5, spikesPerNeuron: [1], silentFraction: [0] },
        seconds: 1,
        samplesPerSecond: 10,
        best: epoch === 1,
      })),
      best: { epoch: 1, score: 0.5 },
      bestParameters: { 'hidden.0.input': Float32Array.from([1, 2, 3, 4, 5, 6]), readout: Float32Array.from([0.5, -0.5, 1, 2, 3, 4]) },
      sinceImprovement: 1,
      optimizer: { step: 7, slots: { readout: { m: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), v: new Float32Array(6) } } },
      stopped: null,
    },
    parameters: { 'hidden.0.input': Float32Array.from([Math.PI, -0, 1e-30, 1e30, -7, 0.1]), readout: new Float32Array(6) },
    finished: false,
  };
}

describe('checkpoints', () => {
  const file = path.join(tmp, 'a.sgck');

  it('round-trips every field and tensor exactly', () => {
    const c = sample();
    writeCheckpoint(file, c);
    const r = readCheckpoint(file);
    expect(r.config).toEqual(c.config);
    expect(r.network).toEqual(c.network);
    expect(r.rng).toEqual(c.rng);
    expect(r.state.epoch).toBe(2);
    expect(r.state.best).toEqual(c.state.best);
    expect(r.state.sinceImprovement).toBe(1);
    expect(r.state.optimizer.step).toBe(7);
    expect(Array.from(r.state.optimizer.slots.readout.m)).toEqual(Array.from(c.state.optimizer.slots.readout.m));
    expect(Array.from(r.parameters['hidden.0.input'])).toEqual(Array.from(c.parameters['hidden.0.input']));
    expect(Object.is(r.parameters['hidden.0.input'][1], -0)).toBe(true);
    expect(Array.from(r.state.bestParameters!.readout)).toEqual(Array.from(c.state.bestParameters!.readout));
    expect(r.finished).toBe(false);
  });

  it('rejects damaged, foreign, truncated and future files clearly', () => {
    writeCheckpoint(file, sample());
    const good = readFileSync(file);
    const damaged = Buffer.from(good);
    damaged[good.length - 100] ^= 1;
    writeFileSync(path.join(tmp, 'd.sgck'), damaged);
    expect(() => readCheckpoint(path.join(tmp, 'd.sgck'))).toThrow(/d\.sgck: corrupt checkpoint \(checksum mismatch/);
    writeFileSync(path.join(tmp, 't.sgck'), good.subarray(0, good.length - 50));
    expect(() => readCheckpoint(path.join(tmp, 't.sgck'))).toThrow(/corrupt checkpoint/);
    writeFileSync(path.join(tmp, 'f.sgck'), '{"weights": []}');
    expect(() => readCheckpoint(path.join(tmp, 'f.sgck'))).toThrow(/f\.sgck: not a spikegrad checkpoint/);
    const future = Buffer.from(good);
    future.writeUInt32LE(9, 8);
    writeFileSync(path.join(tmp, 'v.sgck'), future);
    expect(() => readCheckpoint(path.join(tmp, 'v.sgck'))).toThrow(/checkpoint format version 9 is newer than the version this spikegrad reads \(1\)/);
    expect(() => readCheckpoint(path.join(tmp, 'missing.sgck'))).toThrow(/missing\.sgck: cannot read the checkpoint \(ENOENT\)/);
  });

  it('validates the header with the schemas of a fresh run, naming the field', () => {
    writeCheckpoint(file, sample());
    const good = readFileSync(file);
    const cases: [string, (h: any) => void, RegExp][] = [
      ['negative epochs in the config', (h) => (h.config.epochs = -3), /invalid checkpoint header: training config:\n  - epochs: Too small/],
      ['history not an array', (h) => (h.state.history = 'garbage'), /invalid checkpoint header: header:\n  - state\.history: Invalid input: expected array/],
      ['more epochs done than configured', (h) => (h.state.epoch = 9), /state\.epoch: 9 completed epochs, more than the config's 3/],
      ['history shorter than the epochs', (h) => h.state.history.pop(), /state\.history: expected one record per completed epoch \(2\), got 1/],
      ['unknown network field', (h) => (h.network.hidden = 3), /network config:\n  - \(root\): Unrecognized key: "hidden"/],
      ['tensor of the wrong size', (h) => (h.tensors[0].length = 5), /corrupt checkpoint|invalid checkpoint tensors/],
      ['tensor of another network', (h) => (h.network.layers[0].size = 4), /invalid checkpoint tensors:\n  - parameters\['hidden\.0\.input'\]: expected 8 values for the network in the header, got 6/],
      ['unknown tensor group', (h) => (h.tensors[0].group = 'weights'), /tensors\[0\]\.group: Invalid option/],
    ];
    for (const [name, mutate, message] of cases) {
      const bad = path.join(tmp, `${name.replaceAll(' ', '-')}.sgck`);
      writeFileSync(bad, withHeader(good, mutate));
      expect(() => readCheckpoint(bad), name).toThrow(message);
    }
  });
});

/** A copy of a checkpoint file with its header JSON changed and its checksum made valid again. */
function withHeader(file: Buffer, mutate: (header: any) => void): Buffer {
  const length = file.readUInt32LE(12);
  const header = JSON.parse(file.toString('utf8', 16, 16 + length));
  mutate(header);
  const json = Buffer.from(JSON.stringify(header));
  const pad8 = (n: number) => (n + 7) & ~7;
  const prefix = Buffer.alloc(pad8(16 + json.length));
  file.copy(prefix, 0, 0, 12);
  prefix.writeUInt32LE(json.length, 12);
  json.copy(prefix, 16);
  const body = Buffer.concat([prefix, file.subarray(pad8(16 + length), file.length - 32)]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}
