// What the compact memory mode costs (issue 6): for each config, the step time of exact and compact storage
// measured alternately in one process (medians over repeats), the workspace each plans, and how far the compact
// gradient is from the exact one on the same weights and batch (relative L2 distance per parameter).
//   node bench/compact-memory.mjs [--configs shd,fmnist,large] [--threads 2] [--repeats 7]
import { Network } from '../dist/index.js';
import { machine, median, writeResult } from './common.mjs';
import { CONFIGS } from './configs.mjs';
import { randomBatch } from './random-batch.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const configs = flag('configs', 'shd,fmnist,large').split(',');
const threads = Number(flag('threads', '2'));
const repeats = Number(flag('repeats', '7'));

function relativeDistance(a, b) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const results = [];
for (const name of configs) {
  const cfg = CONFIGS[name];
  if (!cfg || cfg.analog) throw new Error(`config "${name}" is unknown or analog`);
  const net = new Network(
    { inputs: cfg.inputs, outputs: cfg.outputs, layers: cfg.hidden.map((size) => ({ size, recurrent: cfg.recurrent })), init: { gain: cfg.gain }, seed: 1 },
    { threads },
  );
  const batch = randomBatch(cfg);
  const shape = { batchSize: cfg.batch, steps: cfg.steps };
  const modes = ['exact', 'compact'];
  const gradients = { exact: net.zeroGradients(), compact: net.zeroGradients() };
  const times = { exact: [], compact: [] };
  const planned = {};
  for (const mode of modes) {
    net.memory = mode;
    planned[mode] = net.predictMemory(shape);
  }
  for (let i = 0; i < 2 + repeats; i++) {
    for (const mode of modes) {
      net.memory = mode;
      const t = process.hrtime.bigint();
      await net.lossAndGradient(batch, { gradients: gradients[mode] });
      if (i >= 2) times[mode].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const deviation = Object.fromEntries(net.parameterNames.map((p) => [p, relativeDistance(gradients.compact[p], gradients.exact[p])]));
  const row = {
    config: name,
    threads,
    exactMs: median(times.exact),
    compactMs: median(times.compact),
    exactBytes: planned.exact.total,
    exactStateBytes: planned.exact.state,
    compactBytes: planned.compact.total,
    compactStateBytes: planned.compact.state,
    gradientRelativeL2: deviation,
  };
  results.push(row);
  const dev = Object.entries(deviation).map(([p, d]) => `${p} ${d.toExponential(1)}`).join(', ');
  console.log(
    `${name.padEnd(8)} exact ${row.exactMs.toFixed(1)} ms ${(row.exactBytes / 2 ** 20).toFixed(0)} MiB | compact ${row.compactMs.toFixed(1)} ms ` +
      `${(row.compactBytes / 2 ** 20).toFixed(0)} MiB | time x${(row.compactMs / row.exactMs).toFixed(2)} | gradient distance ${dev}`,
  );
  await net.dispose();
}
console.log(`written ${writeResult('compact-memory', { machine: machine(), repeats, results })}`);
