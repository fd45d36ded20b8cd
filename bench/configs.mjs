// The benchmark configs of issue 6. Input: Bernoulli spikes at `density` per (sample, step, unit), random labels.
// `gain` scales the uniform initialization (+-gain/sqrt(fan_in)) so hidden layers fire at a realistic rate
// (about 5 %); both spikegrad and the PyTorch peer use it and report the rate they reach.
export const CONFIGS = {
  shd: { inputs: 700, hidden: [256], outputs: 20, recurrent: true, steps: 100, batch: 256, density: 0.01, gain: 10 },
  'shd-dense': { inputs: 700, hidden: [256], outputs: 20, recurrent: true, steps: 100, batch: 256, density: 0.05, gain: 4 },
  randman: { inputs: 20, hidden: [128], outputs: 10, recurrent: true, steps: 100, batch: 256, density: 0.05, gain: 6 },
  fmnist: { inputs: 784, hidden: [256], outputs: 10, recurrent: false, steps: 100, batch: 256, density: 0.005, gain: 12 },
  large: { inputs: 700, hidden: [1024], outputs: 20, recurrent: true, steps: 250, batch: 128, density: 0.01, gain: 10 },
  // The shd shape on real speech: the first 256 training samples of spoken-digits (cochlear spikes, 500 steps of
  // 2 ms, about 12 000 events per sample), and random input of the same shape and mean density for comparison.
  'shd-spoken': { inputs: 700, hidden: [256], outputs: 20, recurrent: true, steps: 500, batch: 256, data: { name: 'spoken-digits' }, gain: 1 },
  'shd-spoken-random': { inputs: 700, hidden: [256], outputs: 20, recurrent: true, steps: 500, batch: 256, density: 0.034, gain: 1 },
};

// The Open Neuromorphic library benchmark shape: one dense layer + LIF, n neurons, batch 16, T = 500, dense input.
for (const n of [512, 1024, 2048, 4096, 8192, 16384]) {
  CONFIGS[`onm-${n}`] = { inputs: n, hidden: [n], outputs: 10, recurrent: false, steps: 500, batch: 16, density: 1, analog: true, gain: 2 };
}

export const DEFAULT_SET = ['shd', 'shd-dense', 'randman', 'fmnist', 'large', 'onm-512', 'onm-1024', 'onm-2048'];
