/**
 * Activity regularizers on spike counts (docs/design.md section 1): z_i = spikes of neuron i in one sample; each term
 * is computed per sample, averaged over the batch and added to the loss; its gradient flows through the surrogate.
 *   lower:            s * mean_i max(0, nu - z_i)^p
 *   upper:            s * mean_i max(0, z_i - nu)^p
 *   population-lower: s * max(0, nu - mean_i z_i)^p
 *   population-upper: s * max(0, mean_i z_i - nu)^p
 * Paper defaults: lower bound p = 2, s = 100, nu = 1e-3; population upper bound p = 1.
 */
import { z } from 'zod';

import { parseWithSchema } from '../util/validate.js';

/**
 * Activity regularizers on spike counts (docs/design.md section 1): per-neuron lower and upper bounds, and bounds
 * on the population mean.
 */
export const REGULARIZER_KINDS = ['lower', 'upper', 'population-lower', 'population-upper'] as const;

/**
 * The zod schema of one activity regularizer: kind, power (1 or 2, default 2), strength, threshold (spikes per
 * sample), optional hidden layer (default every layer).
 */
export const RegularizerConfigSchema = z
  .object({
    kind: z.enum(REGULARIZER_KINDS),
    power: z.union([z.literal(1), z.literal(2)]).default(2),
    strength: z.number().min(0).finite(),
    threshold: z.number().finite(),
    /** Hidden layer index; leave out to apply to every hidden layer. */
    layer: z.number().int().min(0).optional(),
  })
  .strict();

/** A validated activity regularizer. */
export type RegularizerConfig = z.output<typeof RegularizerConfigSchema>;
/** An activity regularizer as a user writes it (defaults may be left out). */
export type RegularizerConfigInput = z.input<typeof RegularizerConfigSchema>;

/** Validates regularizers for a network of `depth` hidden layers. */
export function parseRegularizers(input: unknown, depth: number): RegularizerConfig[] {
  const schema = z.array(RegularizerConfigSchema).superRefine((regs, ctx) => {
    regs.forEach((r, i) => {
      if (r.layer !== undefined && r.layer >= depth) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'layer'],
          message: `expected a hidden layer index in [0, ${depth}) or no layer for every layer (got ${r.layer})`,
        });
      }
    });
  });
  return parseWithSchema(schema, input ?? [], 'regularizers');
}
