/**
 * The engine against PyTorch autograd: fixtures written by test/fixtures/make_torch_fixtures.py (Debian's
 * python3-torch, float64, a custom autograd Function for the spike) hold config, weights, batch, loss, gradients
 * and spike counts. CI does not need torch: the fixtures are committed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { type Batch, type NetworkConfigInput, Network, type RegularizerConfigInput } from '../src/index.js';
import { maxDifference } from './helpers.js';

interface Fixture {
  name: string;
  config: NetworkConfigInput;
  regularizers: RegularizerConfigInput[];
  batch: { size: number; steps: number; labels: number[]; offsets?: number[]; times?: number[]; units?: number[]; values?: number[] };
  weights: Record<string, number[]>;
  expected: { loss: number; gradients: Record<string, number[]>; spikeCounts: number[][] };
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch');
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Fixture);

function toBatch(b: Fixture['batch']): Batch {
  const labels = Int32Array.from(b.labels);
  if (b.values) return { size: b.size, steps: b.steps, values: Float32Array.from(b.values), labels };
  return {
    size: b.size,
    steps: b.steps,
    offsets: Int32Array.from(b.offsets!),
    times: Int32Array.from(b.times!),
    units: Int32Array.from(b.units!),
    labels,
  };
}

describe('gradients equal PyTorch autograd', () => {
  it('has the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(7);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const net = new Network(fixture.config, { threads: 2 });
    net.setParameters(fixture.weights);
    const result = await net.lossAndGradient(toBatch(fixture.batch), { regularizers: fixture.regularizers });
    expect(result.spikeCounts.map((c) => Array.from(c))).toEqual(fixture.expected.spikeCounts);
    expect(Math.abs(result.loss - fixture.expected.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(fixture.expected.loss));
    for (const name of net.parameterNames) {
      const { diff, scale } = maxDifference(result.gradients[name], fixture.expected.gradients[name]);
      if (fixture.config.surrogate?.shape === 'zero' && name !== 'readout') {
        expect(scale, `${name} has no gradient through the zero surrogate`).toBe(0);
      } else {
        expect(scale, `${name} gradient is not trivially zero`).toBeGreaterThan(0);
      }
      expect(diff, `${name}: max |engine - torch| vs largest entry ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
    }
    await net.dispose();
  });
});
