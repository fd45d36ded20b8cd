// One process of bench/mpi.mjs: training iterations of a benchmark config, alone (no MPI) or as one rank of an
// mpirun job sharing each batch with the others (the data-parallel step of `train --distributed mpi`). Rank 0 (or
// the lone process) prints one JSON line: median seconds per iteration and the median time in the gradient sum.
//   node bench/mpi-worker.mjs '<config json>' <threads> <repeats> [mpi]
import { createOptimizer, EventDataset, Network, shardedGradient } from '../dist/index.js';
import { median } from './common.mjs';
import { randomBatch } from './random-batch.mjs';

const [cfgJson, threadsArg, repeatsArg, mode] = process.argv.slice(2);
const cfg = JSON.parse(cfgJson);
const threads = Number(threadsArg);
const repeats = Number(repeatsArg);
const comm = mode === 'mpi' ? new (await import('../dist/index.js')).MpiCommunicator({ timeoutSeconds: 300 }) : null;

const net = new Network(
  { inputs: cfg.inputs, outputs: cfg.outputs, layers: cfg.hidden.map((size) => ({ size, recurrent: cfg.recurrent })), init: { gain: cfg.gain }, seed: 1 },
  { threads },
);
const optimizer = createOptimizer({ kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, net.parameters, { threads });
const batch = randomBatch(cfg);
const data = new EventDataset({ name: 'random', classes: cfg.outputs, inputs: cfg.inputs, steps: cfg.steps, offsets: Float64Array.from(batch.offsets), times: batch.times, units: batch.units, labels: batch.labels });
const indices = Uint32Array.from({ length: cfg.batch }, (_, i) => i);
const gradients = net.zeroGradients();

// The time inside the communicator's sums, measured by wrapping them.
let sumSeconds = 0;
if (comm) {
  const sum = comm.sum.bind(comm);
  comm.sum = async (values) => {
    const t = process.hrtime.bigint();
    const r = await sum(values);
    sumSeconds += Number(process.hrtime.bigint() - t) / 1e9;
    return r;
  };
}
const times = [];
const sums = [];
for (let i = 0; i < 2 + repeats; i++) {
  sumSeconds = 0;
  const t = process.hrtime.bigint();
  if (comm) await shardedGradient(comm, net, data, indices, gradients, []);
  else await net.lossAndGradient(batch, { gradients });
  optimizer.step(gradients, 1e-3);
  if (i >= 2) {
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
    sums.push(sumSeconds);
  }
}
const gradientBytes = net.parameterCount * 4;
if (!comm || comm.rank === 0) {
  console.log(JSON.stringify({ ranks: comm?.size ?? 1, threads, medianSeconds: median(times), samplesPerSecond: cfg.batch / median(times), sumSeconds: median(sums), gradientBytes }));
}
await comm?.barrier();
comm?.close();
await net.dispose();
