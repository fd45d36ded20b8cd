/**
 * Registering a sweep again after its spec changed: trials of the new spec are added, trials that ran keep their
 * results, and pending trials the spec no longer has are removed (they never ran; left in place they would stay
 * 'pending' in every count and trial table).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ResultStore, type TrialOutcome } from '../src/sweep/store.js';
import { parseTrainConfig } from '../src/train/train-config.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-register-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = parseTrainConfig({});
const trial = (id: string, index: number) => ({ id, index, overrides: { seed: index }, config });
const spec = { name: 'edited', figures: [], base: {}, attempts: 2 };
const split = { samples: 1, loss: 0, crossEntropy: 0, regularization: 0, accuracy: 0.5, spikesPerNeuron: [1], silentFraction: [0] };
const outcome = { results: { train: split, valid: split, test: split, wallSeconds: 1, network: null, history: [], epochs: 1 }, weights: new Uint8Array(0), worker: 'w' } as unknown as TrialOutcome;

describe('registering an edited sweep', () => {
  it('removes only the pending trials the spec no longer has', () => {
    const store = new ResultStore(path.join(tmp, 'store.sqlite'));
    expect(store.register(spec, [trial('a', 0), trial('b', 1), trial('c', 2), trial('d', 3)])).toBe(0);
    store.markRunning('a', 'w');
    store.saveDone('a', outcome);
    store.markRunning('b', 'w');
    store.saveFailed('b', 'it broke', 'w');
    store.markRunning('c', 'w'); // a trial another process runs right now
    // The edited spec keeps none of them and adds e: only d (pending) goes.
    expect(store.register(spec, [trial('e', 0)])).toBe(1);
    const rows = Object.fromEntries(store.trials('edited').map((t) => [t.id, t.status]));
    expect(rows).toEqual({ a: 'done', b: 'failed', c: 'running', e: 'pending' });
    expect(store.trials('edited').find((t) => t.id === 'a')?.testAccuracy).toBe(0.5);
    // Another sweep's pending trials are not this spec's business.
    store.register({ ...spec, name: 'other' }, [trial('x', 0)]);
    expect(store.register(spec, [trial('e', 0)])).toBe(0);
    expect(store.trials('other').map((t) => t.status)).toEqual(['pending']);
    store.close();
  });
});
