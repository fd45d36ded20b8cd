import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
      history: [],
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
});
