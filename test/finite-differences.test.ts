/**
 * The readout weights do not change any spike, so the loss is a smooth function of them and central finite
 * differences must agree with their gradient (for every time reduction).
 */
import { describe, expect, it } from 'vitest';

import { READOUT_REDUCTIONS } from '../src/index.js';
import { networkWithWeights, randomEventBatch } from './helpers.js';

describe('readout gradient against finite differences', () => {
  it.each(READOUT_REDUCTIONS)('%s reduction', async (readout) => {
    const config = { inputs: 10, outputs: 4, layers: [{ size: 12, recurrent: true }, { size: 8 }], readout };
    const net = networkWithWeights(config, 21, 6);
    const batch = randomEventBatch(5, 6, 40, 10, 4, 0.2);
    const { gradients, spikeCounts } = await net.lossAndGradient(batch);
    expect(spikeCounts[1].some((c) => c > 0)).toBe(true);
    const w = net.parameters.readout;
    const g = gradients.readout;
    const largest = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(largest).toBeGreaterThan(1e-4);
    // Float32 rounding of the loss stays far below the tolerance at this step size. The max-over-time readout has
    // kinks (a tie between two peak steps, e.g. several steps where Y is exactly 0): at a kink only the one-sided
    // difference on the side the engine's peak step belongs to matches, so any of the three may.
    const eps = 5e-4;
    const loss = (await net.forward(batch)).loss!;
    for (let i = 0; i < w.length; i++) {
      const original = w[i];
      w[i] = original + eps;
      const up = (await net.forward(batch)).loss!;
      w[i] = original - eps;
      const down = (await net.forward(batch)).loss!;
      w[i] = original;
      const estimates = [(up - down) / (2 * eps), (up - loss) / eps, (loss - down) / eps];
      const error = Math.min(...estimates.map((fd) => Math.abs(g[i] - fd)));
      expect(error, `readout[${i}]: ${g[i]} vs ${estimates}`).toBeLessThanOrEqual(2e-3 * largest + 2e-5);
    }
  });
});
