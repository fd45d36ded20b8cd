// The input of a benchmark config: Bernoulli spikes at cfg.density per (sample, step, unit), or uniform analog
// values for analog configs; random labels. Seeded, so every process and the peer see the same batch.
import { Rng } from '../dist/index.js';

export function randomBatch(cfg, seed = 1) {
  const rng = new Rng(seed);
  const { batch: B, steps: T, inputs: C } = cfg;
  const labels = Int32Array.from({ length: B }, () => rng.int(cfg.outputs));
  if (cfg.analog) {
    const values = new Float32Array(B * T * C);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform();
    return { size: B, steps: T, values, labels };
  }
  const offsets = new Int32Array(B + 1);
  const times = [];
  const units = [];
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < T; n++) for (let u = 0; u < C; u++) if (rng.uniform() < cfg.density) { times.push(n); units.push(u); }
    offsets[b + 1] = times.length;
  }
  return { size: B, steps: T, offsets, times: Int32Array.from(times), units: Int32Array.from(units), labels };
}
