// The example HTTP service under load: 20 concurrent connections (keep-alive), each sending single-sample
// POST /predict requests one after another, on the default Randman network (20-100-10, T 100). Requests per second
// and latency percentiles, medians over rounds. Writes bench/results/http.json. Traffic stays on 127.0.0.1.
//   node bench/http.mjs [--connections 20] [--requests 200] [--rounds 3]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Network, loadDataset } from '../dist/index.js';
import { benchDir, busyFraction, concurrentLoad, machine, median, numberFlag, writeResult } from './common.mjs';

const flag = numberFlag;
const connections = flag('connections', 20);
const requests = flag('requests', 200);
const rounds = flag('rounds', 3);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-http-bench-'));
const model = path.join(tmp, 'model.safetensors');
await new Network({ inputs: 20, outputs: 10, layers: [{ size: 100 }], seed: 1 }).save(model);
const { splits } = await loadDataset({ name: 'randman', seed: 1 });
const test = splits.test;
const bodies = Array.from({ length: test.size }, (_, i) =>
  JSON.stringify({ times: Array.from(test.times.subarray(test.offsets[i], test.offsets[i + 1])), units: Array.from(test.units.subarray(test.offsets[i], test.offsets[i + 1])) }),
);
const server = spawn(process.execPath, [path.join(benchDir, '..', 'examples', 'http-service.mjs'), model, '--steps', String(test.steps), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve) => server.stdout.once('data', (c) => resolve(JSON.parse(c.toString()).listening)));

const load = () =>
  concurrentLoad(connections, requests, async (k) => {
    const res = await fetch(`${base}/predict`, { method: 'POST', body: bodies[k % bodies.length] });
    await res.json();
  });

try {
  await load();
  const busy = await busyFraction(1000);
  const runs = [];
  for (let r = 0; r < rounds; r++) runs.push(await load());
  const result = {
    machine: { ...machine(), busyBefore: busy },
    config: { connections, requests, rounds, network: '20-100-10, T 100', service: 'examples/http-service.mjs (Predictor maxBatch 64, maxWaitMs 1)' },
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    rounds: runs,
  };
  console.log(`CPUs busy ${(100 * busy).toFixed(0)} % before the run`);
  console.log(`${result.requestsPerSecond.toFixed(0)} requests/s at ${connections} connections, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms; wrote ${writeResult('http', result)}`);
} finally {
  server.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
