/**
 * `spikegrad convert IN OUT`: a model file into another format (by extension; a training checkpoint into
 * .safetensors). `spikegrad predict --model FILE --input FILE`: one JSON line per sample with its class and
 * scores, for scripts and other languages.
 */
import { readFileSync } from 'node:fs';

import type { Command } from 'commander';

import type { Batch } from '../model/batch.js';
import { Network } from '../model/network.js';
import { readNpz } from '../io/npz.js';
import { ConfigError } from '../util/errors.js';
import { positiveInteger } from './parse-flags.js';

export function registerConvert(program: Command): void {
  program
    .command('convert <in> <out>')
    .description('convert a model file by extension: .sgck (a training checkpoint), .safetensors or .nir in; .safetensors or .nir out')
    .option('--dt <seconds>', 'the step a foreign NIR graph is simulated at (default 0.001)', Number)
    .action(async (input: string, output: string, flags: { dt?: number }) => {
      const net = await Network.load(input, { threads: 1, ...(flags.dt ? { dt: flags.dt } : {}) });
      await net.save(output);
      process.stdout.write(`wrote ${output} (${net.parameterCount.toLocaleString('en-US')} weights)\n`);
    });
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify samples with a trained network; prints one JSON line per sample: { index, label, scores }')
    .requiredOption('--model <file>', 'a model file (.safetensors, .nir, or a training checkpoint .sgck)')
    .requiredOption('--input <file>', 'JSON { "steps": T, "samples": [{ "times", "units" } | { "values" }] }, or .npz with steps and offsets/times/units (events) or values [size, steps, inputs]')
    .option('--threads <n>', 'OpenMP threads', positiveInteger)
    .action(async (flags: { model: string; input: string; threads?: number }) => {
      const net = await Network.load(flags.model, flags.threads ? { threads: flags.threads } : {});
      const batch = readSamples(flags.input, net.config.inputs);
      const out = await net.predict(batch);
      const classes = net.config.outputs;
      const lines: string[] = [];
      for (let i = 0; i < batch.size; i++) lines.push(JSON.stringify({ index: i, label: out.labels[i], scores: Array.from(out.scores.subarray(i * classes, (i + 1) * classes)) }));
      process.stdout.write(`${lines.join('\n')}\n`);
      await net.dispose();
    });
}

/** The samples of an input file (.npz or JSON) as one batch; every problem names the file and the field. */
function readSamples(file: string, inputs: number): Batch {
  if (file.toLowerCase().endsWith('.npz')) return npzSamples(file, inputs);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the samples (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const fail = (path: string, message: string): never => {
    throw new ConfigError(`samples in ${file}`, [{ path, message }]);
  };
  const { steps, samples } = (doc ?? {}) as { steps?: unknown; samples?: unknown };
  if (!Number.isInteger(steps) || (steps as number) < 1) return fail('steps', `expected a positive integer, got ${JSON.stringify(steps)}`);
  if (!Array.isArray(samples) || samples.length === 0) return fail('samples', 'expected a non-empty array');
  const T = steps as number;
  if (samples.every((s) => s && typeof s === 'object' && 'values' in s)) {
    const values = new Float32Array(samples.length * T * inputs);
    samples.forEach((s, i) => {
      const v = (s as { values: unknown }).values;
      if (!Array.isArray(v) || v.length !== T * inputs) fail(`samples[${i}].values`, `expected steps * inputs = ${T * inputs} numbers`);
      values.set(v as number[], i * T * inputs);
    });
    return { size: samples.length, steps: T, values };
  }
  const offsets = new Int32Array(samples.length + 1);
  const times: number[] = [];
  const units: number[] = [];
  samples.forEach((s, i) => {
    const { times: t, units: u } = (s ?? {}) as { times?: unknown; units?: unknown };
    if (!Array.isArray(t) || !Array.isArray(u) || t.length !== u.length) fail(`samples[${i}]`, 'expected { times, units } of equal length (or { values } for every sample)');
    // Int32Array would truncate 1.5 to 1 silently.
    const bad = [...(t as unknown[]), ...(u as unknown[])].find((x) => !Number.isInteger(x) || Math.abs(x as number) > 2 ** 31 - 1);
    if (bad !== undefined) fail(`samples[${i}]`, `expected integer steps and units, got ${JSON.stringify(bad)}`);
    times.push(...(t as number[]));
    units.push(...(u as number[]));
    offsets[i + 1] = times.length;
  });
  // The engine checks every step and unit (range, order, integers) and names the sample.
  return { size: samples.length, steps: T, offsets, times: Int32Array.from(times), units: Int32Array.from(units) };
}

/**
 * An .npz input (np.savez): `steps` (a scalar) with `offsets` [size + 1], `times` and `units` (integer arrays, an
 * EventBatch), or `values` [size, steps, inputs] (analog).
 */
function npzSamples(file: string, inputs: number): Batch {
  const arrays = readNpz(file);
  const fail = (path: string, message: string): never => {
    throw new ConfigError(`samples in ${file}`, [{ path, message }]);
  };
  const integers = (name: string): Int32Array => {
    const a = arrays[name];
    if (!a) return fail(name, `missing; the archive holds ${Object.keys(arrays).join(', ') || 'nothing'}`);
    if (a.data.some((v) => !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1)) fail(name, `expected integers (dtype ${a.dtype})`);
    return Int32Array.from(a.data);
  };
  if (arrays.values) {
    const { shape, data } = arrays.values;
    if (shape.length !== 3 || shape[2] !== inputs) fail('values', `expected shape [size, steps, ${inputs}], got [${shape.join(', ')}]`);
    return { size: shape[0], steps: shape[1], values: Float32Array.from(data) };
  }
  const steps = integers('steps');
  if (steps.length !== 1 || steps[0] < 1) fail('steps', 'expected one positive integer');
  const offsets = integers('offsets');
  return { size: offsets.length - 1, steps: steps[0], offsets, times: integers('times'), units: integers('units') };
}
