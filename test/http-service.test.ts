/**
 * The example HTTP service (examples/http-service.mjs) on a free loopback port: concurrent POST /predict requests
 * get exactly what predict() gives, bad requests get 400 with the problem named, /health reports the batching.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Network } from '../src/index.js';
import { randomEventBatch } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-http-'));
let server: ChildProcess;
let base = '';
const net = new Network({ inputs: 20, outputs: 10, layers: [{ size: 64 }], init: { kind: 'uniform', gain: 5 } }, { threads: 1 });

beforeAll(async () => {
  const model = path.join(tmp, 'model.safetensors');
  await net.save(model);
  server = spawn(process.execPath, [path.join(root, 'examples', 'http-service.mjs'), model, '--steps', '100', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).listening));
    server.once('exit', (code) => reject(new Error(`the service exited with ${code}`)));
  });
}, 60_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await new Promise((r) => server?.once('exit', r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('examples/http-service.mjs', () => {
  it('answers 40 concurrent requests with exactly what predict() gives', async () => {
    const batch = randomEventBatch(9, 40, 100, 20, 10, 0.03);
    const samples = Array.from({ length: 40 }, (_, b) => ({
      times: Array.from(batch.times.subarray(batch.offsets[b], batch.offsets[b + 1])),
      units: Array.from(batch.units.subarray(batch.offsets[b], batch.offsets[b + 1])),
    }));
    const answers = await Promise.all(samples.map((s) => fetch(`${base}/predict`, { method: 'POST', body: JSON.stringify(s) }).then((r) => r.json() as Promise<{ label: number; scores: number[] }>)));
    const direct = await net.predict(batch);
    expect(answers.map((a) => a.label)).toEqual(Array.from(direct.labels));
    expect(Float32Array.from(answers.flatMap((a) => a.scores))).toEqual(direct.scores);
    const health = (await fetch(`${base}/health`).then((r) => r.json())) as { calls: number };
    expect(health).toMatchObject({ status: 'ok', inputs: 20, classes: 10, steps: 100, requests: 40 });
    expect(health.calls).toBeLessThan(40);
  });

  it('says what is wrong with a bad request', async () => {
    const notJson = await fetch(`${base}/predict`, { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'the body is not JSON' });
    const badStep = await fetch(`${base}/predict`, { method: 'POST', body: JSON.stringify({ times: [100], units: [0] }) });
    expect(badStep.status).toBe(400);
    expect(((await badStep.json()) as { error: string }).error).toMatch(/times\[0\]: expected a step in \[0, 100\), got 100/);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
