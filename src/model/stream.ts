/**
 * Streaming (stateful) inference: `net.stream({ size })` keeps every neuron's state between calls, for a service
 * that listens to a live sensor or audio stream. `step` takes the events of the next steps (a chunk of any
 * length), returns the traces asked for and the readout's reduction so far; stepping T steps in any chunking gives
 * bit for bit what `forward` gives over the whole T. Calls run synchronously on the calling thread: a step of a
 * small network takes microseconds, less than handing it to a worker thread would.
 */
import { ConfigError } from '../util/errors.js';
import type { EventBatch } from './batch.js';
import type { NativeNetwork, NativeRunOptions, NativeStreamState } from './native.js';
import type { RecordKind } from './network.js';

/** The events of the next steps of every stream: like an EventBatch without labels, times relative to this call. */
export interface StreamInput {
  /** Steps this call advances. */
  steps: number;
  /** The events of stream b are [offsets[b], offsets[b+1]), sorted by step; offsets has size + 1 entries. */
  offsets: Int32Array;
  times: Int32Array;
  units: Int32Array;
}

/** What one `SpikeStream.step` returns. */
export interface StreamOutput {
  /** Per hidden layer, spikes of the steps taken, [size][steps][layer size] (with record 'spikes'). */
  spikes?: Uint8Array[];
  /** Per hidden layer, U[n] at the start of each step (after reset), [size][steps][layer size]. */
  membrane?: Float32Array[];
  /** Readout traces Y of the steps taken, [size][steps][outputs]. */
  readout?: Float32Array;
  /** The readout's time reduction over every step so far (the logits forward() would give), [size][outputs]. */
  logits: Float32Array;
  /** argmax of the logits per stream. */
  predictions: Int32Array;
}

/** A batch of independent streams through one network, each keeping its state between calls. */
export class SpikeStream {
  readonly size: number;
  private readonly state: NativeStreamState;

  /** @internal Made by `Network.stream`. */
  constructor(
    private readonly native: () => NativeNetwork,
    private readonly weights: () => Float32Array[],
    private readonly options: () => NativeRunOptions,
    private readonly shape: { sizes: number[]; outputs: number },
    size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new ConfigError('stream options', [{ path: 'size', message: `expected a positive integer, got ${size}` }]);
    this.size = size;
    this.state = {
      size,
      stepsDone: 0,
      current: shape.sizes.map((h) => new Float32Array(size * h)),
      membrane: shape.sizes.map((h) => new Float32Array(size * h)),
      readoutCurrent: new Float32Array(size * shape.outputs),
      readout: new Float32Array(size * shape.outputs),
      reduced: new Float32Array(size * shape.outputs),
    };
  }

  /** Steps taken since the start or the last full reset. */
  get stepsDone(): number {
    return this.state.stepsDone;
  }

  /** Advances every stream by `input.steps` steps with its events, and returns what `record` asks for. */
  step(input: StreamInput, options: { record?: RecordKind[] } = {}): StreamOutput {
    const record = new Set(options.record ?? []);
    const cells = this.size * input.steps;
    const spikes = record.has('spikes') ? this.shape.sizes.map((h) => new Uint8Array(cells * h)) : undefined;
    const membrane = record.has('membrane') ? this.shape.sizes.map((h) => new Float32Array(cells * h)) : undefined;
    const readout = record.has('readout') ? new Float32Array(cells * this.shape.outputs) : undefined;
    const logits = new Float32Array(this.size * this.shape.outputs);
    const batch: EventBatch = { size: this.size, steps: input.steps, offsets: input.offsets, times: input.times, units: input.units };
    this.state.stepsDone = this.native().streamSteps(this.state, batch, this.weights(), this.options(), {
      spikes: spikes ?? this.shape.sizes.map(() => null),
      membrane: membrane ?? this.shape.sizes.map(() => null),
      readout: readout ?? null,
      logits,
    });
    const C = this.shape.outputs;
    const predictions = new Int32Array(this.size);
    for (let b = 0; b < this.size; b++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (logits[b * C + c] > logits[b * C + best]) best = c;
      predictions[b] = best;
    }
    return { spikes, membrane, readout, logits, predictions };
  }

  /**
   * Back to the state before any input: every stream, or one (`sample`). Resetting one stream alone keeps the
   * shared step count, which only the max and mean reductions use: reset every stream when their inputs start over.
   */
  reset(sample?: number): void {
    const s = this.state;
    if (sample === undefined) {
      for (const a of [...s.current, ...s.membrane, s.readoutCurrent, s.readout, s.reduced]) a.fill(0);
      s.stepsDone = 0;
      return;
    }
    if (!Number.isInteger(sample) || sample < 0 || sample >= this.size) throw new ConfigError('stream reset', [{ path: 'sample', message: `expected a stream index in [0, ${this.size}), got ${sample}` }]);
    this.shape.sizes.forEach((h, l) => {
      s.current[l].fill(0, sample * h, (sample + 1) * h);
      s.membrane[l].fill(0, sample * h, (sample + 1) * h);
    });
    const C = this.shape.outputs;
    for (const a of [s.readoutCurrent, s.readout, s.reduced]) a.fill(0, sample * C, (sample + 1) * C);
  }
}
