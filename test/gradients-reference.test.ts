/**
 * The engine's gradients against the independent reference (an autodiff tape over the model's equations,
 * test/reference/), over every combination of surrogate shape x normalized x reset x recurrence mode x depth
 * x time reduction x regularizers on/off. Forward spikes must agree exactly, the loss and every gradient to 1e-5
 * relative to the tensor's largest entry.
 */
import { describe, expect, it } from 'vitest';

import { READOUT_REDUCTIONS, SURROGATE_SHAPES } from '../src/index.js';
import { maxDifference, networkWithWeights, randomEventBatch, toReferenceBatch } from './helpers.js';
import { type ReferenceRegularizer, type ReferenceSpec, referenceLossAndGradients } from './reference/snn-reference.js';

const SIZES = [7, 6, 5];
const INPUTS = 6;
const OUTPUTS = 3;
const STEPS = 24;
const TOLERANCE = 1e-5;

const recurrenceModes = [
  { recurrent: false, recurrentGradient: 'propagate' as const },
  { recurrent: true, recurrentGradient: 'propagate' as const },
  { recurrent: true, recurrentGradient: 'detached' as const },
];

const regularizers: ReferenceRegularizer[] = [
  { kind: 'lower', power: 2, strength: 2, threshold: 1.5 },
  { kind: 'upper', power: 1, strength: 0.3, threshold: 2, layer: 0 },
  { kind: 'population-upper', power: 2, strength: 0.5, threshold: 1 },
  { kind: 'population-lower', power: 1, strength: 0.7, threshold: 3 },
];

const cases = SURROGATE_SHAPES.flatMap((shape) =>
  [true, false].flatMap((normalized) =>
    (['detached', 'differentiable'] as const).map((reset) => ({ shape, normalized, reset })),
  ),
);

describe('gradients equal an independent autodiff reference', () => {
  it.each(cases)('$shape normalized=$normalized reset=$reset', async ({ shape, normalized, reset }) => {
    let combos = 0;
    let active = 0;
    let tensors = 0;
    let zeroTensors = 0;
    for (let depth = 1; depth <= 3; depth++) {
      for (const mode of recurrenceModes) {
        for (const readout of READOUT_REDUCTIONS) {
          for (const withRegs of [false, true]) {
            combos++;
            const seed = combos * 7919 + depth;
            const spec: ReferenceSpec = {
              inputs: INPUTS,
              outputs: OUTPUTS,
              layers: SIZES.slice(0, depth).map((size) => ({ size, ...mode })),
              neuron: { dt: 1e-3, tauMem: 10e-3, tauSyn: 5e-3, tauOut: 20e-3, threshold: 1 },
              surrogate: { shape, scale: normalized ? 5 : 2, normalized },
              reset,
              readout,
            };
            const regs = withRegs ? regularizers.filter((r) => r.layer === undefined || r.layer < depth) : [];
            const net = networkWithWeights({ ...spec, surrogate: { ...spec.surrogate, shape } }, seed, 9);
            const batch = randomEventBatch(seed, 2, STEPS, INPUTS, OUTPUTS, 0.4);
            const engine = await net.lossAndGradient(batch, { regularizers: regs });
            const recorded = await net.forward(batch, { record: ['spikes'] });
            const ref = referenceLossAndGradients(spec, { ...net.parameters }, toReferenceBatch(batch, INPUTS), regs);
            const where = `depth=${depth} recurrent=${mode.recurrent}/${mode.recurrentGradient} readout=${readout} regs=${withRegs}`;

            // Identical forward pass: every spike of every layer.
            for (let l = 0; l < depth; l++) {
              const flat = ref.spikes[l].flat(2);
              expect(Array.from(recorded.spikes![l]), `spikes of layer ${l}, ${where}`).toEqual(flat);
            }
            const allActive = engine.spikeCounts.every((c) => c.some((x) => x > 0));
            if (allActive) active++;

            expect(Math.abs(engine.loss - ref.loss), `loss, ${where}`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(ref.loss)));
            for (const name of net.parameterNames) {
              const { diff, scale } = maxDifference(engine.gradients[name], ref.gradients[name]);
              expect(diff, `gradient of ${name}, ${where} (largest entry ${scale})`).toBeLessThanOrEqual(TOLERANCE * scale + 1e-12);
              if (allActive && (shape !== 'zero' || name === 'readout')) {
                tensors++;
                if (scale === 0) zeroTensors++;
              }
            }
            await net.dispose();
          }
        }
      }
    }
    // The combinations are not vacuous: in nearly all of them every hidden layer spikes, and then nearly every
    // gradient is nonzero (a layer that spikes only at the last step legitimately gets none).
    expect(active / combos).toBeGreaterThan(0.9);
    expect(zeroTensors / tensors).toBeLessThan(0.05);
  });
});
