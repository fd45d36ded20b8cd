// Serving throughput: 20 concurrent callers, each sending single-sample requests one after another, on the default
// Randman network (20-100-10, T 100, 2 threads), served (a) by one net.predict call per request and (b) by a
// Predictor that batches concurrent requests. Both in the same process, alternating over rounds; figures are
// medians over rounds. Writes bench/results/predictor.json.
//   node bench/predictor.mjs [--callers 20] [--requests 50] [--rounds 3] [--max-batch 64] [--max-wait 1]
import { Network, Predictor, loadDataset } from '../dist/index.js';
import { busyFraction, concurrentLoad, machine, median, numberFlag, writeResult } from './common.mjs';

const flag = numberFlag;
const callers = flag('callers', 20);
const requests = flag('requests', 50);
const rounds = flag('rounds', 3);
const maxBatch = flag('max-batch', 64);
const maxWaitMs = flag('max-wait', 1);

const { splits } = await loadDataset({ name: 'randman', seed: 1 });
const test = splits.test;
const samples = Array.from({ length: test.size }, (_, i) => ({
  times: Array.from(test.times.subarray(test.offsets[i], test.offsets[i + 1])),
  units: Array.from(test.units.subarray(test.offsets[i], test.offsets[i + 1])),
}));
const net = new Network({ inputs: 20, outputs: 10, layers: [{ size: 100 }], seed: 1 }, { threads: 2 });
const single = (s) => ({ size: 1, steps: test.steps, offsets: Int32Array.from([0, s.times.length]), times: Int32Array.from(s.times), units: Int32Array.from(s.units) });

/** Runs `callers` loops of `requests` requests each; returns requests per second and latency percentiles (ms). */
const load = (serve) => concurrentLoad(callers, requests, (k) => serve(samples[k % samples.length]));

const direct = (s) => net.predict(single(s));
const predictor = new Predictor(net, { steps: test.steps, maxBatch, maxWaitMs });
const batched = (s) => predictor.predict(s);

await load(direct);
await load(batched);
const busy = await busyFraction(1000);
const runs = { direct: [], predictor: [] };
for (let r = 0; r < rounds; r++) {
  runs.direct.push(await load(direct));
  runs.predictor.push(await load(batched));
}
const summarize = (list) => ({ requestsPerSecond: median(list.map((x) => x.requestsPerSecond)), p50Ms: median(list.map((x) => x.p50Ms)), p99Ms: median(list.map((x) => x.p99Ms)), rounds: list });
const result = { machine: { ...machine(), busyBefore: busy }, config: { callers, requests, rounds, maxBatch, maxWaitMs, network: '20-100-10, T 100, 2 threads' }, direct: summarize(runs.direct), predictor: summarize(runs.predictor), calls: predictor.stats.calls };
result.speedup = result.predictor.requestsPerSecond / result.direct.requestsPerSecond;
console.log(`CPUs busy ${(100 * busy).toFixed(0)} % before the run`);
for (const k of ['direct', 'predictor']) console.log(`${k.padEnd(9)}  ${result[k].requestsPerSecond.toFixed(0)} requests/s  p50 ${result[k].p50Ms.toFixed(2)} ms  p99 ${result[k].p99Ms.toFixed(2)} ms`);
console.log(`speed-up ${result.speedup.toFixed(1)}x; wrote ${writeResult('predictor', result)}`);
