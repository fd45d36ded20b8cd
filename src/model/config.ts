/**
 * Network configuration (docs/design.md sections 1 and 2), validated with zod. `parseNetworkConfig` fills in the
 * paper's defaults and throws a ConfigError naming each wrong field and what is allowed.
 */
import { z } from 'zod';

import { parseWithSchema } from '../util/validate.js';

/**
 * Surrogate derivative shapes (docs/design.md section 1): superspike (fast sigmoid, the default), sigmoid, esser
 * (triangle), exponential, gaussian, and zero (the step's true derivative).
 */
export const SURROGATE_SHAPES = ['superspike', 'sigmoid', 'esser', 'exponential', 'gaussian', 'zero'] as const;
/** Reset in BPTT: 'detached' (default; the factor (1 - S[n]) is a constant) or 'differentiable'. */
export const RESET_MODES = ['detached', 'differentiable'] as const;
/** Time reductions of the readout traces that the loss and the prediction use: max (default), sum, mean, last. */
export const READOUT_REDUCTIONS = ['max', 'sum', 'mean', 'last'] as const;
/**
 * Per recurrent layer: 'propagate' (default) credit through earlier spikes via the recurrent weights, or
 * 'detached' (the weights still learn).
 */
export const RECURRENT_GRADIENTS = ['propagate', 'detached'] as const;
/**
 * Weight initializations: uniform (default, +-gain/sqrt(fan_in)), normal (same standard deviation), fluctuation
 * (Rossbroich, Gygax & Zenke 2022).
 */
export const INIT_KINDS = ['uniform', 'normal', 'fluctuation'] as const;

const MAX_UNITS = 1 << 20;
const units = (what: string) =>
  z.number().int(`${what} must be an integer`).min(1).max(MAX_UNITS);
const positiveFinite = () => z.number().positive().finite();

export const LayerConfigSchema = z
  .object({
    size: units('size'),
    recurrent: z.boolean().default(false),
    /** Recurrent layers only: 'detached' keeps V's gradient but sends no credit back through earlier spikes via V. */
    recurrentGradient: z.enum(RECURRENT_GRADIENTS).default('propagate'),
  })
  .strict();

export const NeuronConfigSchema = z
  .object({
    dt: positiveFinite().default(1e-3),
    tauMem: positiveFinite().default(10e-3),
    tauSyn: positiveFinite().default(5e-3),
    tauOut: positiveFinite().default(20e-3),
    /** Must be > 0: a neuron at rest (U = 0) never spikes. */
    threshold: positiveFinite().default(1),
  })
  .strict()
  .superRefine((n, ctx) => {
    // Times are in seconds. A step longer than a time constant is almost always a unit mistake (dt: 1 meant as
    // 1 ms): that variable would forget everything within one step.
    for (const key of ['tauMem', 'tauSyn', 'tauOut'] as const) {
      if (n.dt > n[key]) {
        ctx.addIssue({ code: 'custom', path: ['dt'], message: `the step dt = ${n.dt} s is longer than ${key} = ${n[key]} s (times are in seconds); use a dt of at most ${n[key]}` });
        return;
      }
    }
  });

export const SurrogateConfigSchema = z
  .object({
    shape: z.enum(SURROGATE_SHAPES).default('superspike'),
    /** beta; 0 gives the constant surrogate. */
    scale: z.number().min(0).finite().default(10),
    /** false multiplies h by beta (the paper's "asymptotic" surrogates). */
    normalized: z.boolean().default(true),
  })
  .strict();

const gain = () => positiveFinite().default(1);
export const InitConfigSchema = z.preprocess(
  // `init: { gain: 2 }` without a kind means the default uniform initialization.
  (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { kind: 'uniform', ...v } : v),
  z.discriminatedUnion('kind', [
    /** U(-gain/sqrt(fan_in), gain/sqrt(fan_in)): the paper's default, no biases. */
    z.object({ kind: z.literal('uniform'), gain: gain() }).strict(),
    /** N(0, (gain/sqrt(fan_in))^2). */
    z.object({ kind: z.literal('normal'), gain: gain() }).strict(),
    /** Fluctuation-driven (Rossbroich, Gygax & Zenke 2022); the readout stays uniform. */
    z
      .object({
        kind: z.literal('fluctuation'),
        /** Target standard deviation of the free membrane potential (threshold units). */
        sigmaU: positiveFinite().default(1),
        /** Target mean of the free membrane potential. */
        muU: z.number().finite().default(0),
        /** Share of the membrane variance from feedforward input in recurrent layers. */
        alpha: z.number().gt(0).max(1).default(0.9),
        /** Input firing rate in Hz; the trainer measures it from the training data when left out. */
        inputRate: positiveFinite().optional(),
        /** Assumed firing rate of hidden neurons in Hz (input of deeper layers and recurrences). */
        hiddenRate: positiveFinite().default(10),
      })
      .strict(),
  ]),
);

/**
 * The zod schema of a network config: inputs, outputs, hidden layers, neuron time constants (seconds), surrogate,
 * reset, readout, init, seed. Every field but inputs, outputs and layers has the paper's default.
 */
export const NetworkConfigSchema = z
  .object({
    inputs: units('inputs'),
    outputs: units('outputs'),
    layers: z.array(LayerConfigSchema).min(1, 'at least one hidden layer is needed').max(64),
    neuron: NeuronConfigSchema.prefault({}),
    surrogate: SurrogateConfigSchema.prefault({}),
    reset: z.enum(RESET_MODES).default('detached'),
    readout: z.enum(READOUT_REDUCTIONS).default('max'),
    init: InitConfigSchema.default({ kind: 'uniform', gain: 1 }),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.init.kind === 'fluctuation' && config.init.inputRate === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['init', 'inputRate'],
        message: 'fluctuation-driven initialization needs the input firing rate in Hz (the trainer fills it in from the data)',
      });
    }
    config.layers.forEach((layer, i) => {
      if (!layer.recurrent && layer.recurrentGradient === 'detached') {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'recurrentGradient'],
          message: "'detached' applies to recurrent layers only: set recurrent: true or remove it",
        });
      }
    });
  });

/** A complete network config, every default filled in. */
export type NetworkConfig = z.output<typeof NetworkConfigSchema>;
/** What a user writes: every field with a default may be left out. */
export type NetworkConfigInput = z.input<typeof NetworkConfigSchema>;
/** One of SURROGATE_SHAPES. */
export type SurrogateShape = (typeof SURROGATE_SHAPES)[number];
/** One of RESET_MODES. */
export type ResetMode = (typeof RESET_MODES)[number];
/** One of READOUT_REDUCTIONS. */
export type ReadoutReduction = (typeof READOUT_REDUCTIONS)[number];

/** Validates a network config and fills in every default; throws a ConfigError naming each bad field. */
export function parseNetworkConfig(input: unknown): NetworkConfig {
  return parseWithSchema(NetworkConfigSchema, input, 'network config');
}

/** The weights a network of this config has, by name, in the engine's layout ([fan_in][fan_out], row-major). */
export function parameterShapesOf(config: Pick<NetworkConfig, 'inputs' | 'outputs' | 'layers'>): { name: string; rows: number; cols: number }[] {
  const shapes: { name: string; rows: number; cols: number }[] = [];
  config.layers.forEach((layer, l) => {
    shapes.push({ name: `hidden.${l}.input`, rows: l === 0 ? config.inputs : config.layers[l - 1].size, cols: layer.size });
    if (layer.recurrent) shapes.push({ name: `hidden.${l}.recurrent`, rows: layer.size, cols: layer.size });
  });
  shapes.push({ name: 'readout', rows: config.layers[config.layers.length - 1].size, cols: config.outputs });
  return shapes;
}
