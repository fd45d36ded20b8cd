/**
 * Network: a spiking network with surrogate-gradient BPTT (docs/design.md sections 1, 2 and 4). Parameters are Float32Arrays
 * owned here and shared with C++ without copies; forward() and lossAndGradient() run in a native worker thread
 * and return Promises, one at a time per network (calls are queued, so the event loop never blocks).
 */
import { ConfigError } from '../util/errors.js';
import { MemoryLimitError, availableMemory } from '../util/memory.js';
import { Rng } from '../util/rng.js';
import { defaultThreads } from '../util/threads.js';
import { type Batch, isAnalogBatch } from './batch.js';
import { type NetworkConfig, type NetworkConfigInput, parameterShapesOf, parseNetworkConfig } from './config.js';
import { readModel, saveModel } from '../io/model-file.js';
import { SpikeStream } from './stream.js';
import { initializeParameters } from './init.js';
import { type NativeNetwork, type NativeRunOptions, type NativeSpec, type NativeSummary, type PassTimings, loadNative } from './native.js';
import { type RegularizerConfigInput, parseRegularizers } from './regularizers.js';

/**
 * The instruction-set level of the native kernels: 'auto' (the best this CPU has, default), 'avx512', 'avx2' or
 * 'generic'; never raised above what the CPU supports.
 */
export type SimdLevel = 'auto' | 'avx512' | 'avx2' | 'generic';
/**
 * A trace `Network.forward` can record: hidden `spikes` (0/1 bytes), `membrane` potential U[n] after reset
 * (threshold units), `readout` traces Y[1..T].
 */
export type RecordKind = 'spikes' | 'membrane' | 'readout';

/**
 * How BPTT state is stored: 'exact' (float32, default) or 'compact' (bfloat16 membrane: 3 instead of 5 bytes per
 * neuron and step; gradients within about 5e-4 relative). Compact applies where the state is kept for the whole
 * batch; batches whose chunks (about 64 samples) hold at most 4 MiB of state keep it exactly per chunk.
 */
export type MemoryMode = 'exact' | 'compact';

/**
 * Run options of a `Network` that do not change results: OpenMP `threads` (default all cores; results are
 * bit-identical for any count), `simd` level (default 'auto'), `memory` mode (default 'exact') and `memoryLimit`
 * in bytes (default the memory available).
 */
export interface NetworkOptions {
  /** OpenMP threads for this network's passes; default: all cores. */
  threads?: number;
  /** Instruction-set level of the kernels; 'auto' (default) picks the best this CPU has. */
  simd?: SimdLevel;
  /**
   * 'exact' (default) keeps BPTT's state in float32; 'compact' stores the pre-reset membrane as bfloat16 (3 bytes
   * per neuron and step instead of 5), for long sequences; gradients then differ by that rounding (see
   * `MemoryMode`: small chunks keep exact state either way).
   */
  memory?: MemoryMode;
  /** Refuse calls whose buffers would exceed this many bytes (default: the memory available to the process). */
  memoryLimit?: number;
}

/** Predicted memory of one call, in bytes. */
export interface MemoryPrediction {
  /** Native buffers of the call (reused across calls of the same or a smaller shape). */
  workspace: number;
  /** Of which the state BPTT keeps per neuron and step. */
  state: number;
  /** Parameters and gradients (Float32Arrays). */
  parameters: number;
  /** The batch's own arrays. */
  batch: number;
  /**
   * The native runtime a process's first call starts (OpenMP and libuv thread pools, N-API and V8 allocations):
   * a constant, 1.8 MiB measured on Debian 12 / Node 20 (`test/memory.test.ts` checks the total). (An earlier
   * 12.6 MiB included a peak that importing the chart and queue libraries left behind; they now load lazily.)
   */
  runtime: number;
  total: number;
}

const NATIVE_RUNTIME_BYTES = 2 * 2 ** 20;

/** What `Network.predict` returns for a batch of `size` samples. */
export interface Prediction {
  /** The predicted class of each sample: the argmax of the time-reduced readout. */
  labels: Int32Array;
  /** The readout reduced over time (the network's logits), [size][outputs]; softmax gives class probabilities. */
  scores: Float32Array;
  /** Per hidden layer, spikes of each neuron summed over the batch. */
  spikeCounts: Float32Array[];
}

/** Shape of a weight matrix, row-major: `rows` (presynaptic, fan-in) x `cols` (postsynaptic). */
export interface ParameterShape {
  rows: number;
  cols: number;
}

/** Summary of one pass over a batch. Loss fields are present when the batch has labels. */
export interface BatchSummary {
  loss?: number;
  crossEntropy?: number;
  regularization?: number;
  /** One entry per regularizer, in the order given. */
  regularizerLosses?: number[];
  correct?: number;
  accuracy?: number;
  /** argmax of the time-reduced readout, per sample. */
  predictions: Int32Array;
  /** The readout reduced over time (the logits of the softmax), [size][outputs]. */
  logits: Float32Array;
  /** Per hidden layer, spikes of each neuron summed over the batch. */
  spikeCounts: Float32Array[];
  /** With `profile: true`: where the time went. */
  timings?: PassTimings;
}

/**
 * What `Network.lossAndGradient` returns: loss (cross entropy + regularization, mean over the batch), accuracy,
 * the gradient of every parameter (same names and shapes as `parameters`) and spike counts per layer summed over
 * the batch.
 */
export interface LossAndGradient extends BatchSummary {
  loss: number;
  crossEntropy: number;
  regularization: number;
  regularizerLosses: number[];
  correct: number;
  accuracy: number;
  /** Gradients of the loss, named like `parameters`. */
  gradients: Record<string, Float32Array>;
}

/**
 * What `Network.forward` returns: the batch summary (logits, predictions, spike counts; loss and accuracy with
 * labels) and the recorded traces, each `[size][steps][layer size]` (readout: `[size][steps][outputs]`).
 */
export interface ForwardResult extends BatchSummary {
  /** Hidden layers that were recorded, in order. */
  recordedLayers: number[];
  /** Per recorded layer, S[n] as 0/1 bytes, [size][steps][layer size]. */
  spikes?: Uint8Array[];
  /** Per recorded layer, U[n] (after reset), [size][steps][layer size]. */
  membrane?: Float32Array[];
  /** Readout traces Y[1..T], [size][steps][outputs]. */
  readout?: Float32Array;
}

/**
 * Options of `Network.lossAndGradient`: activity regularizers (default none), arrays to write the gradients into
 * (default fresh zero arrays), and `profile` for phase timings.
 */
export interface LossAndGradientOptions {
  regularizers?: RegularizerConfigInput[];
  /** Arrays to write the gradients into (reused across calls to avoid allocation). */
  gradients?: Record<string, Float32Array>;
  /** Measure the phases of the pass (result.timings). */
  profile?: boolean;
}

/**
 * Options of `Network.forward`: which traces to record (`spikes`, `membrane`, `readout`), of which hidden layers
 * (default all), and regularizers whose loss is reported when the batch has labels.
 */
export interface ForwardOptions {
  record?: RecordKind[];
  /** Hidden layers to record spikes or membrane of; default: every hidden layer. */
  layers?: number[];
  regularizers?: RegularizerConfigInput[];
}

/**
 * A spiking network trained with surrogate gradients (docs/design.md section 1): LIF hidden layers, a leaky
 * readout, BPTT in the native engine. Weights are `parameters` (Float32Arrays owned by JavaScript); calls are
 * queued so one network runs one call at a time. Defaults: threads = all cores, simd 'auto', memory 'exact',
 * memoryLimit = the memory available.
 */
export class Network {
  readonly config: NetworkConfig;
  /** Named weights: 'hidden.<l>.input' [fan_in][size], 'hidden.<l>.recurrent' [size][size], 'readout' [last][outputs]. */
  readonly parameters: Readonly<Record<string, Float32Array>>;
  readonly parameterShapes: Readonly<Record<string, ParameterShape>>;
  readonly parameterNames: readonly string[];
  private threadCount: number;
  private simdLevel: SimdLevel;
  private memoryMode: MemoryMode;
  private readonly memoryLimit?: number;
  /** The largest memory need (planMemory bytes + records) checkMemory has admitted. */
  private admittedBytes = 0;
  private native: NativeNetwork | null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(config: NetworkConfigInput, options: NetworkOptions = {}) {
    this.config = parseNetworkConfig(config);
    this.threadCount = checkThreads(options.threads ?? defaultThreads());
    this.simdLevel = checkSimd(options.simd ?? 'auto');
    this.memoryMode = checkMemoryMode(options.memory ?? 'exact');
    if (options.memoryLimit !== undefined && !(Number.isFinite(options.memoryLimit) && options.memoryLimit > 0)) {
      throw new ConfigError('network options', [{ path: 'memoryLimit', message: `expected a positive number of bytes, got ${options.memoryLimit}` }]);
    }
    this.memoryLimit = options.memoryLimit;
    // Refused before anything is allocated: the weights, and as much again for a call's staged copy.
    const weights = parameterShapesOf(this.config).reduce((n, p) => n + p.rows * p.cols, 0);
    const limit = this.memoryLimit ?? availableMemory();
    if (weights * 8 > limit) {
      throw new MemoryLimitError(weights * 8, limit, `a network of ${weights.toLocaleString('en-US')} weights`, 'use fewer or smaller layers');
    }
    const addon = loadNative();
    this.native = new addon.NativeNetwork(toNativeSpec(this.config));
    const layout = this.native.parameterLayout();
    let parameters: Record<string, Float32Array>;
    try {
      parameters = initializeParameters(this.config, layout, new Rng(this.config.seed));
    } catch (err) {
      throw new ConfigError('network config', [{ path: 'init', message: (err as Error).message.replace(/^init: /, '') }]);
    }
    const shapes: Record<string, ParameterShape> = {};
    for (const { name, rows, cols } of layout) shapes[name] = Object.freeze({ rows, cols });
    this.parameters = Object.freeze(parameters);
    this.parameterShapes = Object.freeze(shapes);
    this.parameterNames = Object.freeze(layout.map((p) => p.name));
  }

  get threads(): number {
    return this.threadCount;
  }
  set threads(value: number) {
    this.threadCount = checkThreads(value);
  }

  get memory(): MemoryMode {
    return this.memoryMode;
  }
  set memory(value: MemoryMode) {
    this.memoryMode = checkMemoryMode(value);
  }

  /**
   * Memory a call needs for a batch of this shape, before any allocation. `events` (spike input) or analog
   * input sizes the batch's own arrays.
   */
  predictMemory(shape: { batchSize: number; steps: number; analog?: boolean; events?: number; backward?: boolean }): MemoryPrediction {
    const native = this.requireNative();
    const plan = native.planMemory(shape.batchSize, shape.steps, {
      ...this.runOptions([]),
      backward: shape.backward ?? true,
      analog: shape.analog ?? false,
    });
    const parameters = this.parameterCount * 4 * ((shape.backward ?? true) ? 2 : 1);
    const batch = shape.analog
      ? shape.batchSize * shape.steps * this.config.inputs * 4
      : (shape.batchSize + 1) * 4 + (shape.events ?? 0) * 8 + shape.batchSize * 4;
    return {
      workspace: plan.bytes,
      state: plan.stateBytes,
      parameters,
      batch,
      runtime: NATIVE_RUNTIME_BYTES,
      total: plan.bytes + parameters + batch + NATIVE_RUNTIME_BYTES,
    };
  }

  get simd(): SimdLevel {
    return this.simdLevel;
  }
  set simd(value: SimdLevel) {
    this.simdLevel = checkSimd(value);
  }

  /** Total number of weights. */
  get parameterCount(): number {
    return this.parameterNames.reduce((n, name) => n + this.parameters[name].length, 0);
  }

  /** Copies values into the parameters (shapes must match); the arrays keep their identity. */
  setParameters(values: Record<string, ArrayLike<number>>): void {
    const issues: { path: string; message: string }[] = [];
    for (const [name, v] of Object.entries(values)) {
      const target = this.parameters[name];
      if (target === undefined) {
        issues.push({ path: name, message: `unknown parameter; expected one of ${this.parameterNames.join(', ')}` });
      } else if (v.length !== target.length) {
        issues.push({ path: name, message: `expected ${target.length} values, got ${v.length}` });
      } else {
        for (let i = 0; i < v.length; i++) {
          if (!Number.isFinite(v[i])) {
            issues.push({ path: `${name}[${i}]`, message: `expected a finite number, got ${v[i]}` });
            break;
          }
        }
      }
    }
    if (issues.length > 0) throw new ConfigError('parameters', issues);
    for (const [name, v] of Object.entries(values)) this.parameters[name].set(v);
  }

  /** Loss, accuracy and the gradient of every parameter over one batch (labels required). */
  async lossAndGradient(batch: Batch, options: LossAndGradientOptions = {}): Promise<LossAndGradient> {
    const regularizers = parseRegularizers(options.regularizers, this.config.layers.length);
    const gradients = options.gradients ?? this.zeroGradients();
    for (const name of this.parameterNames) {
      const g = gradients[name];
      if (!(g instanceof Float32Array) || g.length !== this.parameters[name].length) {
        throw new ConfigError('gradients', [
          { path: name, message: `expected a Float32Array of length ${this.parameters[name].length}` },
        ]);
      }
    }
    this.checkMemory(batch, true);
    const summary = await this.run((native) =>
      native.lossAndGradient(
        batch,
        this.weightList(),
        this.parameterNames.map((n) => gradients[n]),
        { ...this.runOptions(regularizers), profile: options.profile === true },
      ),
    );
    return { ...(summary as Required<NativeSummary>), gradients };
  }

  /** Runs the network on a batch; with labels also the loss and accuracy. Records traces on request. */
  async forward(batch: Batch, options: ForwardOptions = {}): Promise<ForwardResult> {
    const regularizers = parseRegularizers(options.regularizers, this.config.layers.length);
    const record = new Set(options.record ?? []);
    for (const kind of record) {
      if (kind !== 'spikes' && kind !== 'membrane' && kind !== 'readout') {
        throw new ConfigError('forward options', [
          { path: 'record', message: `expected 'spikes', 'membrane' or 'readout', got ${JSON.stringify(kind)}` },
        ]);
      }
    }
    const depth = this.config.layers.length;
    const layers = options.layers ?? Array.from({ length: depth }, (_, l) => l);
    layers.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= depth) {
        throw new ConfigError('forward options', [
          { path: `layers[${i}]`, message: `expected a hidden layer index in [0, ${depth}), got ${l}` },
        ]);
      }
    });
    checkBatchShape(batch);
    const recorded = record.has('spikes') || record.has('membrane') ? layers : [];
    const cells = batch.size * batch.steps;
    // Recorded traces exist twice while the call runs: the call's own buffers and the arrays returned.
    const recordBytes =
      2 * cells * (recorded.reduce((n, l) => n + this.config.layers[l].size, 0) * ((record.has('spikes') ? 1 : 0) + (record.has('membrane') ? 4 : 0)) + (record.has('readout') ? 4 * this.config.outputs : 0));
    this.checkMemory(batch, false, recordBytes, record.has('membrane'));
    const spikes = record.has('spikes') ? recorded.map((l) => new Uint8Array(cells * this.config.layers[l].size)) : undefined;
    const membrane = record.has('membrane')
      ? recorded.map((l) => new Float32Array(cells * this.config.layers[l].size))
      : undefined;
    const readout = record.has('readout') ? new Float32Array(cells * this.config.outputs) : undefined;
    const nativeRecord =
      record.size > 0
        ? {
            layers: recorded,
            spikes: spikes ?? recorded.map(() => null),
            membrane: membrane ?? recorded.map(() => null),
            readout: readout ?? null,
          }
        : undefined;
    const summary = await this.run((native) =>
      native.forward(batch, this.weightList(), this.runOptions(regularizers), nativeRecord),
    );
    return { ...summary, recordedLayers: recorded, spikes, membrane, readout };
  }

  /**
   * The class of each sample and the readout scores behind it, without a loss (labels, if present, are ignored):
   * what a service calls. Equals `forward`'s predictions and logits.
   */
  async predict(batch: Batch): Promise<Prediction> {
    const { labels: _labels, ...unlabelled } = batch;
    const out = await this.forward(unlabelled as Batch);
    return { labels: out.predictions, scores: out.logits, spikeCounts: out.spikeCounts };
  }

  /**
   * Saves the config and the weights to a model file, the format chosen by the extension: `.safetensors`
   * (weights as float32 tensors, the network config in the header's metadata) or `.nir` (the Neuromorphic
   * Intermediate Representation graph; docs/design.md section 8). Written atomically.
   */
  async save(file: string): Promise<void> {
    await saveModel(file, this.config, this.parameters);
  }

  /**
   * A network from a model file, by extension: `.safetensors` (written by `save`), `.nir` (spikegrad's or
   * another NIR writer's; `dt`, default 1e-3 s, is the step a foreign graph is simulated at) or a training
   * checkpoint `.sgck` (the weights the run kept). Run options (threads, simd, memory) are not part of the file.
   */
  static async load(file: string, options: NetworkOptions & { dt?: number } = {}): Promise<Network> {
    const { dt, ...runOptions } = options;
    const { config, parameters } = await readModel(file, dt === undefined ? {} : { dt });
    const net = new Network(config, runOptions);
    net.setParameters(parameters);
    return net;
  }

  /**
   * Stateful inference over `size` independent streams (a live sensor, audio): feed the events of the next steps,
   * read spikes, membrane and readout after each call; the state persists between calls. Event input only.
   */
  stream(options: { size?: number } = {}): SpikeStream {
    return new SpikeStream(
      () => this.requireNative(),
      () => this.weightList(),
      () => ({ ...this.runOptions([]), threads: 1 }),
      { sizes: this.config.layers.map((l) => l.size), outputs: this.config.outputs },
      options.size ?? 1,
    );
  }

  /** Fresh zero arrays shaped like the parameters. */
  zeroGradients(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const name of this.parameterNames) out[name] = new Float32Array(this.parameters[name].length);
    return out;
  }

  /** Bytes of reusable native buffers this network holds (grows with the largest batch seen). */
  get workspaceBytes(): number {
    return this.native?.workspaceBytes() ?? 0;
  }

  /** Frees the native buffers; the network cannot be used afterwards. Waits for a running call. */
  async dispose(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.native?.dispose();
    this.native = null;
  }

  private weightList(): Float32Array[] {
    return this.parameterNames.map((n) => this.parameters[n]);
  }

  private runOptions(regularizers: ReturnType<typeof parseRegularizers>): NativeRunOptions {
    return { threads: this.threadCount, simd: this.simdLevel, regularizers, compact: this.memoryMode === 'compact' };
  }

  private requireNative(): NativeNetwork {
    if (this.native === null) throw new Error('Network: used after dispose()');
    return this.native;
  }

  /** Refuses, before the native call allocates, a batch whose buffers would not fit. */
  private checkMemory(batch: Batch, backward: boolean, extraBytes = 0, membrane = false): void {
    let plan: { bytes: number };
    try {
      plan = this.requireNative().planMemory(batch.size, batch.steps, { ...this.runOptions([]), backward, analog: isAnalogBatch(batch), membrane });
    } catch (error) {
      // A malformed shape is reported by the native call's batch validation, which names the batch.* field.
      if (error instanceof RangeError || error instanceof TypeError) return;
      throw error;
    }
    // A call that needs no more than one already admitted is not checked again: the memory was there for that one,
    // and reading the free memory (four /proc and cgroup files) costs about 0.1 ms, every call.
    const need = plan.bytes + extraBytes;
    if (need <= this.admittedBytes) return;
    const growth = need - this.requireNative().workspaceBytes();
    if (growth > 0) {
      const limit = this.memoryLimit !== undefined ? this.memoryLimit - this.requireNative().workspaceBytes() : availableMemory();
      if (growth > limit) {
        throw new MemoryLimitError(growth, Math.max(0, limit), `a batch of ${batch.size} samples x ${batch.steps} steps on this network`);
      }
    }
    this.admittedBytes = need;
  }

  /** Runs native work after any call already queued on this network. */
  private run<T>(work: (native: NativeNetwork) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.native === null) throw new Error('Network: used after dispose()');
      return work(this.native);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function toNativeSpec(config: NetworkConfig): NativeSpec {
  return {
    inputs: config.inputs,
    outputs: config.outputs,
    layers: config.layers.map((l) => ({ size: l.size, recurrent: l.recurrent, recurrentGradient: l.recurrentGradient })),
    neuron: { ...config.neuron },
    surrogate: { ...config.surrogate },
    reset: config.reset,
    readout: config.readout,
  };
}

function checkThreads(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 1024) {
    throw new ConfigError('network options', [{ path: 'threads', message: `expected an integer in [1, 1024], got ${value}` }]);
  }
  return value;
}

function checkMemoryMode(value: string): MemoryMode {
  if (value !== 'exact' && value !== 'compact') {
    throw new ConfigError('network options', [{ path: 'memory', message: `expected 'exact' or 'compact', got ${JSON.stringify(value)}` }]);
  }
  return value;
}

function checkSimd(value: string): SimdLevel {
  if (value !== 'auto' && value !== 'avx512' && value !== 'avx2' && value !== 'generic') {
    throw new ConfigError('network options', [
      { path: 'simd', message: `expected 'auto', 'avx512', 'avx2' or 'generic', got ${JSON.stringify(value)}` },
    ]);
  }
  return value;
}

/** Checks size and steps before arrays are sized from them (the addon checks everything else). */
function checkBatchShape(batch: Batch): void {
  const issues: { path: string; message: string }[] = [];
  if (!Number.isInteger(batch?.size) || batch.size < 1) issues.push({ path: 'size', message: `expected a positive integer, got ${batch?.size}` });
  if (!Number.isInteger(batch?.steps) || batch.steps < 1) issues.push({ path: 'steps', message: `expected a positive integer, got ${batch?.steps}` });
  if (issues.length === 0 && !isAnalogBatch(batch) && !(batch.offsets instanceof Int32Array)) {
    issues.push({ path: 'offsets', message: 'expected an Int32Array (or values for an analog batch)' });
  }
  if (issues.length > 0) throw new ConfigError('batch', issues);
}
