/**
 * A case worked out by hand through the public API: one input event at step 0 through weight 20 into one
 * neuron (threshold 1, dt 1 ms, tau_mem 10 ms, tau_syn 5 ms, tau_out 20 ms), readout weight 1.
 *   I[1] = 20                         U[2] = (1 - a_mem) * 20           = 1.9033 > 1  spike at step 2, U[3] = 0
 *   I[n] = 20 a_syn^(n-1)             U[4] = (1 - a_mem) * 20 a_syn^2   = 1.2758 > 1  spike at step 4, U[5] = 0
 *                                     U[6] = (1 - a_mem) * 20 a_syn^4   = 0.8552      no spike
 *                                     U[7] = a_mem U[6] + (1 - a_mem) 20 a_syn^5 = 1.4740  spike at step 7
 */
import { describe, expect, it } from 'vitest';

import { Network } from '../src/index.js';

const aSyn = Math.exp(-1 / 5);
const aMem = Math.exp(-1 / 10);
const aOut = Math.exp(-1 / 20);

describe('a single neuron worked out by hand', () => {
  it('gives the membrane values, spike steps and readout trace of the equations', async () => {
    const net = new Network({ inputs: 1, outputs: 1, layers: [{ size: 1 }] }, { threads: 1 });
    net.setParameters({ 'hidden.0.input': [20], readout: [1] });
    const batch = {
      size: 1,
      steps: 8,
      offsets: Int32Array.from([0, 1]),
      times: Int32Array.from([0]),
      units: Int32Array.from([0]),
      labels: Int32Array.from([0]),
    };
    const out = await net.forward(batch, { record: ['spikes', 'membrane', 'readout'] });
    const u6 = (1 - aMem) * 20 * aSyn ** 4;
    const expectedMembrane = [0, 0, (1 - aMem) * 20, 0, (1 - aMem) * 20 * aSyn ** 2, 0, u6, aMem * u6 + (1 - aMem) * 20 * aSyn ** 5];
    Array.from(out.membrane![0]).forEach((u, n) => expect(u).toBeCloseTo(expectedMembrane[n], 5));
    // The values worked out by hand in the header, against the engine itself.
    expect(out.membrane![0][2]).toBeCloseTo(1.9033, 4);
    expect(out.membrane![0][4]).toBeCloseTo(1.2758, 4);
    expect(out.membrane![0][6]).toBeCloseTo(0.8552, 4);
    expect(out.membrane![0][7]).toBeCloseTo(1.474, 3);
    expect(Array.from(out.spikes![0])).toEqual([0, 0, 1, 0, 1, 0, 0, 1]);
    expect(Array.from(out.spikeCounts[0])).toEqual([3]);

    // Readout: J[n+1] = a_syn J[n] + S[n], Y[n+1] = a_out Y[n] + (1 - a_out) J[n].
    const spikes = [0, 0, 1, 0, 1, 0, 0, 1];
    let J = 0;
    let Y = 0;
    let peak = -Infinity;
    spikes.forEach((s, n) => {
      Y = aOut * Y + (1 - aOut) * J;
      J = aSyn * J + s;
      expect(out.readout![n]).toBeCloseTo(Y, 6);
      peak = Math.max(peak, Y);
    });
    expect(out.logits[0]).toBeCloseTo(peak, 6);
    expect(out.loss).toBe(0); // one class: the softmax is 1
    expect(Array.from(out.predictions)).toEqual([0]);
  });
});
