/** Optimizer configs (zod) and construction. */
import { z } from 'zod';

import { Adam, Adamax } from './adam.js';
import { Optimizer, type OptimizerExecution } from './optimizer.js';
import { Sgd } from './sgd.js';
import { Smorms3 } from './smorms3.js';

export { Optimizer } from './optimizer.js';
export type { OptimizerExecution, OptimizerState } from './optimizer.js';
export { Adam, Adamax } from './adam.js';
export { Sgd } from './sgd.js';
export { Smorms3 } from './smorms3.js';

const beta = z.number().min(0).lt(1);
/**
 * The zod schema of an optimizer: adam (beta1 0.9, beta2 0.999, eps 1e-8; the default), adamax, sgd (momentum,
 * nesterov) or smorms3.
 */
export const OptimizerConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('adam'), beta1: beta.default(0.9), beta2: beta.default(0.999), eps: z.number().positive().default(1e-8) }).strict(),
  z.object({ kind: z.literal('adamax'), beta1: beta.default(0.9), beta2: beta.default(0.999), eps: z.number().positive().default(1e-8) }).strict(),
  z.object({ kind: z.literal('sgd'), momentum: z.number().min(0).lt(1).default(0.9), nesterov: z.boolean().default(false) }).strict(),
  z.object({ kind: z.literal('smorms3'), eps: z.number().positive().default(1e-16) }).strict(),
]);
/** A validated optimizer config. */
export type OptimizerConfig = z.output<typeof OptimizerConfigSchema>;
/** The optimizers: adam, adamax, sgd, smorms3. */
export const OPTIMIZER_KINDS = ['adam', 'adamax', 'sgd', 'smorms3'] as const;

/** Builds the optimizer a config names, over the given parameters (updated in place). */
export function createOptimizer(
  config: OptimizerConfig,
  parameters: Readonly<Record<string, Float32Array>>,
  execution?: OptimizerExecution,
): Optimizer {
  switch (config.kind) {
    case 'adam':
      return new Adam(parameters, config, execution);
    case 'adamax':
      return new Adamax(parameters, config, execution);
    case 'sgd':
      return new Sgd(parameters, config, execution);
    case 'smorms3':
      return new Smorms3(parameters, config, execution);
  }
}
