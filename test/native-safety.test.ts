/**
 * Nothing JavaScript does while a native call runs can crash the process or make the core touch memory that is
 * not its own: batches, parameters and output arrays changed or detached mid-call, and a worker thread
 * terminated in the middle of calls. Each case runs in a child process (a crash there fails the test instead of
 * killing the test runner). Before the calls staged their inputs, `units` segfaulted and terminate() aborted.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { Network } from '../src/index.js';
import { bitsEqual, randomEventBatch } from './helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hostile');

function runFixture(script: string, ...args: string[]): { status: number | null; signal: NodeJS.Signals | null; result: any; stderr: string } {
  const child = spawnSync(process.execPath, [path.join(fixtures, script), ...args], { encoding: 'utf8', timeout: 100_000 });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  let result: unknown = null;
  try {
    result = JSON.parse(last);
  } catch {
    result = null;
  }
  return { status: child.status, signal: child.signal, result, stderr: child.stderr };
}

describe('arrays changed or freed while a call runs', () => {
  it.each([
    ['units', 'batch.units overwritten with 1e8'],
    ['offsets', 'batch.offsets overwritten with 2^31 - 1'],
    ['detach-batch', "the batch's buffers transferred (freed)"],
    ['forward', 'batch.units overwritten during forward() with recording'],
  ])('%s: %s: the call sees the arrays as they were', (mode) => {
    const run = runFixture('mid-call.mjs', mode);
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.result.outcomes).toEqual([{ ok: true, same: true }, { ok: true, same: true }, { ok: true, same: true }]);
    expect(run.result.after).toBe(true);
  });

  it('gradient arrays transferred during the call: a clear rejection, the network stays usable', () => {
    const run = runFixture('mid-call.mjs', 'detach-gradients');
    expect(run.status, run.stderr).toBe(0);
    for (const outcome of run.result.outcomes) {
      expect(outcome.ok).toBe(false);
      expect(outcome.message).toMatch(/gradients\['hidden\.0\.input'\]: the array was detached or resized while the call ran/);
    }
    expect(run.result.after).toBe(true);
  });
});

describe('worker_threads', () => {
  it('terminate() while training, forward and Randman calls run never ends the host process', () => {
    const run = runFixture('terminate-worker.mjs');
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.result).toEqual({ survived: 20 });
  });
});

describe('batch offsets', () => {
  it('an offset past the event arrays is reported as such before any event is read', async () => {
    const net = new Network({ inputs: 4, outputs: 3, layers: [{ size: 5 }] });
    const batch = {
      size: 2,
      steps: 5,
      offsets: Int32Array.from([0, 2147483647, 3]),
      times: Int32Array.from([0, 1, 2]),
      units: Int32Array.from([0, 1, 2]),
      labels: Int32Array.from([0, 1]),
    };
    await expect(net.lossAndGradient(batch)).rejects.toThrow(
      /batch\.offsets\[1\]: expected a value in \[offsets\[0\] = 0, 3 \(the number of events\)\], got 2147483647 \(sample 0\)/,
    );
    // Views into a large buffer: the check never walks past the view.
    const big = new Int32Array(1 << 20);
    const view = { ...batch, offsets: Int32Array.from([0, 1 << 19, 3]), times: big.subarray(0, 3), units: big.subarray(8, 11) };
    await expect(net.lossAndGradient(view)).rejects.toThrow(/batch\.offsets\[1\]: expected a value in/);
  });
});

// A network reuses the staged copies of its last call (batch, parameters, gradients) for the next one: nothing of
// the previous call may show through.
describe('staged buffers reused from call to call', () => {
  const config = { inputs: 6, outputs: 3, layers: [{ size: 12, recurrent: true }], seed: 4 };
  const analogBatch = (size: number, steps: number) => ({
    size,
    steps,
    values: Float32Array.from({ length: size * steps * 6 }, (_, i) => ((i * 7919) % 13) / 13),
    labels: Int32Array.from({ length: size }, (_, i) => i % 3),
  });

  it('a batch without labels after one with labels has no loss, and the same outputs as on a fresh network', async () => {
    const net = new Network(config);
    const labelled = randomEventBatch(3, 9, 40, 6, 3, 0.2);
    const { labels: _labels, ...unlabelled } = labelled;
    expect((await net.forward(labelled)).loss).toEqual(expect.any(Number));
    const after = await net.forward(unlabelled);
    expect(after.loss).toBeUndefined();
    const fresh = await new Network(config).forward(unlabelled);
    expect(bitsEqual(after.logits, fresh.logits)).toBe(true);
  });

  it('an event batch after an analog one (and back) reads its own input', async () => {
    const net = new Network(config);
    const events = randomEventBatch(5, 7, 30, 6, 3, 0.2);
    const analog = analogBatch(4, 30);
    await net.forward(analog);
    expect(bitsEqual((await net.forward(events)).logits, (await new Network(config).forward(events)).logits)).toBe(true);
    expect(bitsEqual((await net.forward(analog)).logits, (await new Network(config).forward(analog)).logits)).toBe(true);
  });

  it('gradients after calls on other batches equal a fresh network\'s, bit for bit', async () => {
    const net = new Network(config);
    const target = randomEventBatch(8, 5, 25, 6, 3, 0.3);
    await net.lossAndGradient(randomEventBatch(9, 11, 50, 6, 3, 0.3));
    await net.lossAndGradient(analogBatch(3, 20));
    const reused = await net.lossAndGradient(target);
    const fresh = await new Network(config).lossAndGradient(target);
    expect(reused.loss).toBe(fresh.loss);
    for (const name of net.parameterNames) expect(bitsEqual(reused.gradients[name], fresh.gradients[name]), name).toBe(true);
  });

  it('workspaceBytes counts the kept copies, and dispose frees them', async () => {
    const net = new Network({ inputs: 200, outputs: 3, layers: [{ size: 300 }] });
    const floats = Object.values(net.parameters).reduce((n, p) => n + p.length, 0);
    await net.lossAndGradient(randomEventBatch(1, 2, 5, 200, 3, 0.01));
    // Parameters and gradients, 4 bytes each, kept beside the engine's own buffers.
    expect(net.workspaceBytes).toBeGreaterThan(2 * 4 * floats);
    await net.dispose();
    expect(net.workspaceBytes).toBe(0);
  });
});
