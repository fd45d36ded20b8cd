// Streaming latency: one sample through the default Randman network (20-100-10), one step per call (the
// latency a live service sees per input frame) and ten steps per call; medians over repeats. Writes
// bench/results/stream.json.
//   node bench/stream.mjs [--repeats 5] [--steps 2000]
import { Network, loadDataset } from '../dist/index.js';
import { busyFraction, machine, median, numberFlag, writeResult } from './common.mjs';

const flag = numberFlag;
const repeats = flag('repeats', 5);
const total = flag('steps', 2000);
const { splits } = await loadDataset({ name: 'randman', seed: 1 });
const test = splits.test;
const net = new Network({ inputs: 20, outputs: 10, layers: [{ size: 100 }], seed: 1, init: { kind: 'uniform', gain: 3 } });

/** Per step, the events of sample (step / T) at step (step mod T), as one stream input of `k` steps. */
function inputs(k) {
  const out = [];
  for (let s = 0; s < total; s += k) {
    const times = [];
    const units = [];
    for (let n = 0; n < k; n++) {
      const step = s + n;
      const i = Math.floor(step / test.steps) % test.size;
      const local = step % test.steps;
      for (let e = test.offsets[i]; e < test.offsets[i + 1]; e++) {
        if (test.times[e] === local) {
          times.push(n);
          units.push(test.units[e]);
        }
      }
    }
    out.push({ steps: k, offsets: Int32Array.from([0, times.length]), times: Int32Array.from(times), units: Int32Array.from(units) });
  }
  return out;
}

function measure(k) {
  const chunks = inputs(k);
  const runs = [];
  for (let r = 0; r < repeats + 1; r++) {
    const stream = net.stream({ size: 1 });
    const t = process.hrtime.bigint();
    for (const c of chunks) stream.step(c);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    if (r > 0) runs.push((seconds / total) * 1e6);
  }
  return { microsecondsPerStep: median(runs), runs };
}

const busy = await busyFraction(1000);
const result = { machine: { ...machine(), busyBefore: busy }, config: { network: '20-100-10', steps: total, repeats }, oneStepPerCall: measure(1), tenStepsPerCall: measure(10) };
console.log(`CPUs busy ${(100 * busy).toFixed(0)} % before the run`);
console.log(`one step per call: ${result.oneStepPerCall.microsecondsPerStep.toFixed(2)} us per step; ten per call: ${result.tenStepsPerCall.microsecondsPerStep.toFixed(2)} us per step; wrote ${writeResult('stream', result)}`);
