/** spikegrad: surrogate-gradient training of spiking neural networks on CPUs. */
export { Network, defaultThreads } from './model/network.js';
export type {
  BatchSummary,
  ForwardOptions,
  ForwardResult,
  LossAndGradient,
  LossAndGradientOptions,
  NetworkOptions,
  ParameterShape,
  RecordKind,
  SimdLevel,
} from './model/network.js';
export {
  NetworkConfigSchema,
  parseNetworkConfig,
  SURROGATE_SHAPES,
  RESET_MODES,
  READOUT_REDUCTIONS,
  RECURRENT_GRADIENTS,
  INIT_KINDS,
} from './model/config.js';
export type { NetworkConfig, NetworkConfigInput, ReadoutReduction, ResetMode, SurrogateShape } from './model/config.js';
export { RegularizerConfigSchema, REGULARIZER_KINDS, parseRegularizers } from './model/regularizers.js';
export type { RegularizerConfig, RegularizerConfigInput } from './model/regularizers.js';
export { eventBatchFromLists, isAnalogBatch } from './model/batch.js';
export type { AnalogBatch, Batch, EventBatch } from './model/batch.js';
export { Rng } from './util/rng.js';
export type { RngState } from './util/rng.js';
export { ConfigError } from './util/errors.js';
export type { ConfigIssue } from './util/errors.js';
export { nativeInfo, version } from './info.js';
export type { RuntimeInfo } from './info.js';
