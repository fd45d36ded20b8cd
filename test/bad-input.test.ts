/**
 * Bad input gets a clear error naming the field (and the sample) and what is allowed; the process survives and
 * the network stays usable.
 */
import { describe, expect, it } from 'vitest';

import { ConfigError, Network } from '../src/index.js';
import { loadNative } from '../src/model/native.js';
import { randomEventBatch } from './helpers.js';

const config = { inputs: 4, outputs: 3, layers: [{ size: 5, recurrent: true }] };

function goodBatch() {
  return {
    size: 2,
    steps: 5,
    offsets: Int32Array.from([0, 2, 3]),
    times: Int32Array.from([0, 3, 1]),
    units: Int32Array.from([1, 2, 3]),
    labels: Int32Array.from([0, 2]),
  };
}

describe('config validation', () => {
  const cases: [string, unknown, RegExp][] = [
    ['negative inputs', { ...config, inputs: -1 }, /inputs: Too small: expected number to be >=1 \(got -1\)/],
    ['fractional size', { ...config, layers: [{ size: 2.5 }] }, /layers\[0\]\.size: size must be an integer \(got 2\.5\)/],
    ['no layers', { ...config, layers: [] }, /layers: at least one hidden layer is needed/],
    ['unknown key', { ...config, hidden: 3 }, /Unrecognized key: "hidden"/],
    ['unknown shape', { ...config, surrogate: { shape: 'relu' } }, /surrogate\.shape: Invalid option: expected one of "superspike"\|"sigmoid"\|"esser"\|"exponential"\|"gaussian"\|"zero" \(got "relu"\)/],
    ['negative scale', { ...config, surrogate: { scale: -2 } }, /surrogate\.scale: Too small/],
    ['zero threshold', { ...config, neuron: { threshold: 0 } }, /neuron\.threshold: Too small: expected number to be >0/],
    ['bad reset', { ...config, reset: 'soft' }, /reset: Invalid option: expected one of "detached"\|"differentiable"/],
    ['bad readout', { ...config, readout: 'median' }, /readout: Invalid option/],
    ['detached feedforward', { ...config, layers: [{ size: 3, recurrentGradient: 'detached' }] }, /layers\[0\]\.recurrentGradient: 'detached' applies to recurrent layers only/],
    ['wrong type', { ...config, outputs: '3' }, /outputs: Invalid input: expected number, received string/],
  ];
  it.each(cases)('%s', (_name, input, message) => {
    expect(() => new Network(input as never)).toThrow(ConfigError);
    expect(() => new Network(input as never)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      new Network({ inputs: 0, outputs: 0, layers: [] });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['inputs', 'outputs', 'layers']);
    }
  });

  it('rejects bad network options and parameters', () => {
    expect(() => new Network(config, { threads: 0 })).toThrow(/threads: expected an integer in \[1, 1024\], got 0/);
    expect(() => new Network(config, { simd: 'neon' as never })).toThrow(/simd: expected/);
    const net = new Network(config);
    expect(() => net.setParameters({ readout: [1, 2] })).toThrow(/readout: expected 15 values, got 2/);
    expect(() => net.setParameters({ bias: [1] })).toThrow(/bias: unknown parameter; expected one of hidden\.0\.input, hidden\.0\.recurrent, readout/);
    expect(() => net.setParameters({ readout: new Array(15).fill(Number.NaN) })).toThrow(/readout\[0\]: expected a finite number, got NaN/);
  });
});

describe('batch validation in the addon', () => {
  const net = new Network(config, { threads: 2 });
  const cases: [string, (b: ReturnType<typeof goodBatch>) => unknown, RegExp][] = [
    ['unsorted times', (b) => ({ ...b, times: Int32Array.from([3, 0, 1]) }), /batch\.times \(sample 0\): events must be sorted by time step, but times\[1\] = 0 follows 3/],
    ['unit out of range', (b) => ({ ...b, units: Int32Array.from([1, 2, 4]) }), /batch\.units\[2\] \(sample 1\): expected a unit in \[0, 4\), got 4/],
    ['step out of range', (b) => ({ ...b, times: Int32Array.from([0, 5, 1]) }), /batch\.times\[1\] \(sample 0\): expected a step in \[0, 5\), got 5/],
    ['negative step', (b) => ({ ...b, times: Int32Array.from([-1, 3, 1]) }), /expected a step in \[0, 5\), got -1/],
    [
      'offsets not monotone',
      (b) => ({ ...b, size: 3, offsets: Int32Array.from([0, 3, 2, 3]), times: Int32Array.from([0, 1, 3]), labels: Int32Array.from([0, 1, 2]) }),
      /batch\.offsets\[2\]: expected a value in \[offsets\[1\] = 3, 3 \(the number of events\)\], got 2 \(sample 1\)/,
    ],
    ['offsets too short', (b) => ({ ...b, offsets: Int32Array.from([0, 3]) }), /batch\.offsets: expected length size \+ 1 = 3, got 2/],
    ['offsets past the events', (b) => ({ ...b, offsets: Int32Array.from([0, 2, 9]) }), /batch\.offsets\[2\]: expected a value in \[offsets\[1\] = 2, 3 \(the number of events\)\], got 9/],
    ['label out of range', (b) => ({ ...b, labels: Int32Array.from([0, 3]) }), /batch\.labels\[1\]: expected a class in \[0, 3\), got 3/],
    ['missing labels', (b) => ({ ...b, labels: undefined }), /batch\.labels: expected an Int32Array/],
    ['labels of the wrong type', (b) => ({ ...b, labels: [0, 1] }), /batch\.labels: expected an Int32Array, got an array/],
    ['offsets as Float32Array', (b) => ({ ...b, offsets: new Float32Array(3) }), /batch\.offsets: expected an Int32Array, got a Float32Array of length 3/],
    ['times and units lengths differ', (b) => ({ ...b, units: Int32Array.from([1, 2]) }), /equal lengths/],
    ['fractional size', (b) => ({ ...b, size: 1.5 }), /batch\.size: expected an integer in \[1, 1048576\], got 1\.5/],
    ['huge steps', (b) => ({ ...b, steps: 2 ** 31 }), /batch\.steps: expected an integer in \[1, 1048576\]/],
  ];
  it.each(cases)('%s', async (_name, mutate, message) => {
    await expect(net.lossAndGradient(mutate(goodBatch()) as never)).rejects.toThrow(message);
  });

  it('checks analog input for NaN and length', async () => {
    const values = new Float32Array(2 * 3 * 4).fill(0.5);
    values[1 * 12 + 2 * 4 + 3] = Number.NaN;
    const labels = Int32Array.from([0, 1]);
    await expect(net.lossAndGradient({ size: 2, steps: 3, values, labels })).rejects.toThrow(
      /batch\.values\[23\] \(sample 1, step 2, unit 3\): expected a finite number, got nan/i,
    );
    await expect(net.lossAndGradient({ size: 2, steps: 3, values: new Float32Array(5), labels })).rejects.toThrow(
      /batch\.values: expected length size \* steps \* inputs = 2 \* 3 \* 4 = 24, got 5/,
    );
  });

  it('rejects non-finite parameters and bad regularizers, and stays usable afterwards', async () => {
    const w = net.parameters['hidden.0.recurrent'];
    const saved = w[3];
    w[3] = Number.POSITIVE_INFINITY;
    await expect(net.lossAndGradient(goodBatch())).rejects.toThrow(/parameters\['hidden\.0\.recurrent'\]\[3\]: expected a finite number, got inf/);
    w[3] = saved;
    await expect(
      net.lossAndGradient(goodBatch(), { regularizers: [{ kind: 'lower', power: 3 as never, strength: 1, threshold: 0 }] }),
    ).rejects.toThrow(/regularizers:\n {2}- \[0\]\.power/);
    await expect(
      net.lossAndGradient(goodBatch(), { regularizers: [{ kind: 'upper', strength: 1, threshold: 0, layer: 1 }] }),
    ).rejects.toThrow(/\[0\]\.layer: expected a hidden layer index in \[0, 1\)/);
    await expect(net.forward(goodBatch(), { record: ['voltage' as never] })).rejects.toThrow(/record: expected 'spikes', 'membrane' or 'readout'/);
    await expect(net.forward(goodBatch(), { record: ['spikes'], layers: [2] })).rejects.toThrow(/layers\[0\]: expected a hidden layer index in \[0, 1\), got 2/);
    const ok = await net.lossAndGradient(goodBatch());
    expect(Number.isFinite(ok.loss)).toBe(true);
  });

  it('forward works without labels and reports no loss', async () => {
    const { labels: _labels, ...unlabelled } = goodBatch();
    const out = await net.forward(unlabelled);
    expect(out.loss).toBeUndefined();
    expect(out.predictions.length).toBe(2);
  });

  it('reports a loss that overflows instead of returning NaN', async () => {
    const big = new Network({ inputs: 4, outputs: 3, layers: [{ size: 5 }] });
    big.parameters['hidden.0.input'].fill(1e30);
    big.parameters.readout.fill(3e38);
    big.parameters.readout[1] = -3e38;
    await expect(big.lossAndGradient(randomEventBatch(1, 2, 20, 4, 3, 0.5))).rejects.toThrow(/not finite/);
  });

  it('leaves the caller\'s gradient arrays untouched when the loss is not finite', async () => {
    // Chunks run their backward pass right after their forward pass, before the batch loss is known: the
    // per-chunk gradients must still never reach the caller's arrays.
    const big = new Network({ inputs: 4, outputs: 3, layers: [{ size: 5, recurrent: true }] });
    big.parameters['hidden.0.input'].fill(1e30);
    big.parameters.readout.fill(3e38);
    big.parameters.readout[1] = -3e38;
    const gradients = big.zeroGradients();
    for (const g of Object.values(gradients)) g.fill(0.25);
    await expect(big.lossAndGradient(randomEventBatch(1, 130, 20, 4, 3, 0.5), { gradients })).rejects.toThrow(/not finite/);
    for (const g of Object.values(gradients)) expect(g.every((x) => x === 0.25)).toBe(true);
  });
});

describe('concurrency and lifetime', () => {
  it('queues concurrent calls on one network and gives each the same answer', async () => {
    const net = new Network(config, { threads: 2 });
    const batch = randomEventBatch(2, 16, 30, 4, 3, 0.3);
    const results = await Promise.all([net.lossAndGradient(batch), net.lossAndGradient(batch), net.forward(batch)]);
    expect(results[0].loss).toBe(results[1].loss);
    expect(results[2].loss).toBe(results[0].loss);
  });

  it('the raw addon refuses a second call while one runs, instead of sharing buffers', async () => {
    const native = new (loadNative().NativeNetwork)({
      inputs: 4,
      outputs: 3,
      layers: [{ size: 5, recurrent: false, recurrentGradient: 'propagate' }],
      neuron: { dt: 1e-3, tauMem: 1e-2, tauSyn: 5e-3, tauOut: 2e-2, threshold: 1 },
      surrogate: { shape: 'superspike', scale: 10, normalized: true },
      reset: 'detached',
      readout: 'max',
    });
    const weights = native.parameterLayout().map((p) => new Float32Array(p.rows * p.cols).fill(0.1));
    const first = native.forward(goodBatch(), weights, { threads: 1 });
    expect(() => native.forward(goodBatch(), weights, { threads: 1 })).toThrow(/already running/);
    await first;
    await native.forward(goodBatch(), weights, { threads: 1 });
    expect(() => new (loadNative().NativeNetwork)({} as never)).toThrow(/inputs: expected an integer, got undefined/);
  });

  it('keeps the event loop free while a large batch runs', async () => {
    const net = new Network({ inputs: 200, outputs: 10, layers: [{ size: 256, recurrent: true }] }, { threads: 1 });
    const batch = randomEventBatch(3, 64, 200, 200, 10, 0.05);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = Date.now();
    await net.lossAndGradient(batch);
    const elapsed = Date.now() - started;
    clearInterval(timer);
    // If the work blocked the loop, no interval callback could run until it finished.
    expect(elapsed).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan(3);
  });

  it('refuses use after dispose', async () => {
    const net = new Network(config);
    await net.dispose();
    await expect(net.forward(goodBatch())).rejects.toThrow(/used after dispose/);
  });
});
