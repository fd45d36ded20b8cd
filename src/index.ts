/** spikegrad: surrogate-gradient training of spiking neural networks on CPUs. */
export { Network } from './model/network.js';
export { SpikeStream } from './model/stream.js';
export type { StreamInput, StreamOutput } from './model/stream.js';
export { defaultThreads } from './util/threads.js';
export type {
  BatchSummary,
  ForwardOptions,
  ForwardResult,
  LossAndGradient,
  LossAndGradientOptions,
  MemoryMode,
  MemoryPrediction,
  NetworkOptions,
  ParameterShape,
  Prediction,
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

// Data sets (README, "Data sets")
export { AnalogDataset, EventDataset } from './data/dataset.js';
export type { AnyDataset, DatasetSplits, SpikeDataset, SpikeSample } from './data/dataset.js';
export { batchCount, epochBatches, epochOrder, makeBatch } from './data/batches.js';
export type { BatchOptions } from './data/batches.js';
export { DATASET_NAMES, loadDataset, parseDatasetConfig } from './data/registry.js';
export type { DatasetName, LoadedDataset, LoadOptions } from './data/registry.js';
export { fourierTerms, generateRandman, RandmanOptionsSchema } from './data/randman.js';
export type { RandmanData, RandmanOptions, RandmanOptionsInput } from './data/randman.js';
export { loadImageDataset, ImageOptionsSchema, FASHION_MNIST_DIR } from './data/images.js';
export { loadHeidelberg, HeidelbergOptionsSchema } from './data/shd.js';
export { readIdxFile, parseIdx } from './data/idx.js';
export { latencyStep, latencyTable } from './data/latency.js';
export { describeDataset } from './data/describe.js';
export type { DatasetDescription } from './data/describe.js';
export { defaultCacheDir } from './data/cache.js';

// Training (optimizers, schedules, trainer, runs, checkpoints)
export { Adam, Adamax, createOptimizer, Optimizer, OptimizerConfigSchema, OPTIMIZER_KINDS, Sgd, Smorms3 } from './train/optimizers/index.js';
export type { OptimizerConfig, OptimizerState } from './train/optimizers/index.js';
export { learningRate, ScheduleConfigSchema } from './train/schedules.js';
export type { ScheduleConfig } from './train/schedules.js';
export { addWeightDecay, clipByGlobalNorm, globalNorm } from './train/gradient-tools.js';
export { evaluate, SplitAccumulator } from './train/metrics.js';
export type { SplitMetrics } from './train/metrics.js';
export { Trainer, TrainingDiverged } from './train/trainer.js';
export type { BatchProgress, EpochRecord, TrainerHooks, TrainerOptions, TrainerState } from './train/trainer.js';

// Data-parallel training (issue 17): a communicator, and the sharded batch and evaluation built on it.
export { checkRanksAgree, DistributedError, parameterHash, shardRange } from './distributed/communicator.js';
export type { Communicator } from './distributed/communicator.js';
export { shardedEvaluate, shardedGradient } from './distributed/data-parallel.js';
export { MpiCommunicator, MpiUnavailableError } from './distributed/mpi.js';
export type { MpiOptions } from './distributed/mpi.js';
export { parseTrainConfig, TrainConfigSchema, PAPER_REGULARIZERS } from './train/train-config.js';
export type { TrainConfig, TrainConfigInput } from './train/train-config.js';
export { runTraining, resolveNetwork, inputRate, CHECKPOINT_FILE, METRICS_FILE, RESULTS_FILE } from './train/run.js';
export type { RunOptions, RunResults } from './train/run.js';
export { readCheckpoint, writeCheckpoint, CheckpointError, CHECKPOINT_VERSION } from './io/checkpoint.js';
export type { Checkpoint } from './io/checkpoint.js';
export { fluctuationWeightStats, pspKernelIntegrals } from './model/fluctuation-init.js';
export { availableMemory, formatBytes, MemoryLimitError } from './util/memory.js';

export { MissingDependencyError, OPTIONAL_PACKAGES } from './util/optional.js';

// Trained networks: model files, serving
export { readSafetensors, SafetensorsError, writeSafetensors } from './io/safetensors.js';
export type { SafetensorsFile } from './io/safetensors.js';
export { MODEL_EXTENSIONS, MODEL_FORMAT_VERSION, readModel, saveModel } from './io/model-file.js';
export { NIR_VERSION, NirError, readNir, writeNir } from './io/nir.js';
export type { NirImportOptions } from './io/nir.js';
export { Predictor } from './serve/predictor.js';
export type { PredictorOptions, PredictorResult, PredictorSample, PredictorStats } from './serve/predictor.js';

// Sweeps and reports have their own entry points, 'spikegrad/sweep' and 'spikegrad/report': they need optional
// packages (SQLite, Redis, charts) whose types would otherwise be part of every consumer's compilation.
