/**
 * Data sets of spike events held as flat typed arrays: sample i owns events [offsets[i], offsets[i+1]), sorted by
 * time step. Times and units are stored in 16 bits when they fit (4 bytes per event), and widened to the Int32
 * arrays of an EventBatch only when a batch is built.
 */
export type IndexArray = Uint16Array | Int32Array;

/** One sample's events (views into the data set's arrays) and label. */
export interface SpikeSample {
  times: IndexArray;
  units: IndexArray;
  label: number;
}

/** What every data set offers (README, "Data sets"). */
export interface SpikeDataset {
  readonly name: string;
  /** Number of samples. */
  readonly size: number;
  readonly classes: number;
  /** Input units (channels). */
  readonly inputs: number;
  /** Time steps per sample (T). */
  readonly steps: number;
  readonly classNames?: readonly string[];
  readonly labels: Int32Array;
  readonly kind: 'events' | 'analog';
}

/**
 * A data set of spike events held as flat typed arrays: sample i owns events [offsets[i], offsets[i+1]) sorted by
 * time step, with one label per sample and optional groups (e.g. speakers).
 */
export class EventDataset implements SpikeDataset {
  readonly kind = 'events' as const;
  readonly name: string;
  readonly classes: number;
  readonly inputs: number;
  readonly steps: number;
  readonly classNames?: readonly string[];
  readonly offsets: Float64Array;
  readonly times: IndexArray;
  readonly units: IndexArray;
  readonly labels: Int32Array;
  /** Optional per-sample group (e.g. SHD speaker), used for group-wise splits. */
  readonly groups?: Int32Array;

  constructor(init: {
    name: string;
    classes: number;
    inputs: number;
    steps: number;
    offsets: Float64Array;
    times: IndexArray;
    units: IndexArray;
    labels: Int32Array;
    classNames?: readonly string[];
    groups?: Int32Array;
  }) {
    this.name = init.name;
    this.classes = init.classes;
    this.inputs = init.inputs;
    this.steps = init.steps;
    this.offsets = init.offsets;
    this.times = init.times;
    this.units = init.units;
    this.labels = init.labels;
    this.classNames = init.classNames;
    this.groups = init.groups;
    const n = this.labels.length;
    if (this.offsets.length !== n + 1) throw new RangeError(`${this.name}: offsets must have ${n + 1} entries`);
    if (this.offsets[n] !== this.times.length || this.times.length !== this.units.length) {
      throw new RangeError(`${this.name}: offsets, times and units disagree`);
    }
    if (this.groups && this.groups.length !== n) throw new RangeError(`${this.name}: groups must have ${n} entries`);
  }

  get size(): number {
    return this.labels.length;
  }

  get eventCount(): number {
    return this.times.length;
  }

  get(i: number): SpikeSample {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`sample index ${i} out of range [0, ${this.size})`);
    const begin = this.offsets[i];
    const end = this.offsets[i + 1];
    return { times: this.times.subarray(begin, end), units: this.units.subarray(begin, end), label: this.labels[i] };
  }

  /** The same samples (arrays shared) declared with `classes` classes. */
  withClasses(classes: number): EventDataset {
    if (classes < this.classes) throw new RangeError(`${this.name}: cannot shrink ${this.classes} classes to ${classes}`);
    return new EventDataset({ ...this, classes });
  }

  /** A new data set with the given samples, in that order (arrays are copied). */
  subset(indices: ArrayLike<number>, name = this.name): EventDataset {
    const n = indices.length;
    const offsets = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      offsets[k + 1] = offsets[k] + (this.offsets[i + 1] - this.offsets[i]);
    }
    const Times = this.times.constructor as new (n: number) => IndexArray;
    const Units = this.units.constructor as new (n: number) => IndexArray;
    const times = new Times(offsets[n]);
    const units = new Units(offsets[n]);
    const labels = new Int32Array(n);
    const groups = this.groups ? new Int32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      times.set(this.times.subarray(this.offsets[i], this.offsets[i + 1]), offsets[k]);
      units.set(this.units.subarray(this.offsets[i], this.offsets[i + 1]), offsets[k]);
      labels[k] = this.labels[i];
      if (groups) groups[k] = this.groups![i];
    }
    return new EventDataset({ name, classes: this.classes, inputs: this.inputs, steps: this.steps, offsets, times, units, labels, classNames: this.classNames, groups });
  }
}

/**
 * Analog input [size][steps][inputs]: values fed to the first layer as input currents at every step (log-mel
 * features, pixel intensities), with one label per sample and optional groups (e.g. speakers).
 */
export class AnalogDataset implements SpikeDataset {
  readonly kind = 'analog' as const;
  readonly name: string;
  readonly classes: number;
  readonly inputs: number;
  readonly steps: number;
  readonly classNames?: readonly string[];
  readonly values: Float32Array;
  readonly labels: Int32Array;
  /** Optional per-sample group (e.g. speaker), used for group-wise splits. */
  readonly groups?: Int32Array;

  constructor(init: { name: string; classes: number; inputs: number; steps: number; values: Float32Array; labels: Int32Array; classNames?: readonly string[]; groups?: Int32Array }) {
    this.name = init.name;
    this.classes = init.classes;
    this.inputs = init.inputs;
    this.steps = init.steps;
    this.values = init.values;
    this.labels = init.labels;
    this.classNames = init.classNames;
    this.groups = init.groups;
    if (this.values.length !== this.labels.length * this.steps * this.inputs) {
      throw new RangeError(`${this.name}: values must have size * steps * inputs entries`);
    }
    if (this.groups && this.groups.length !== this.labels.length) throw new RangeError(`${this.name}: groups must have ${this.labels.length} entries`);
  }

  get size(): number {
    return this.labels.length;
  }

  get(i: number): { values: Float32Array; label: number } {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`sample index ${i} out of range [0, ${this.size})`);
    const stride = this.steps * this.inputs;
    return { values: this.values.subarray(i * stride, (i + 1) * stride), label: this.labels[i] };
  }

  /** A new data set with the given samples, in that order (arrays are copied). */
  subset(indices: ArrayLike<number>, name = this.name): AnalogDataset {
    const n = indices.length;
    const stride = this.steps * this.inputs;
    const values = new Float32Array(n * stride);
    const labels = new Int32Array(n);
    const groups = this.groups ? new Int32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      values.set(this.values.subarray(i * stride, (i + 1) * stride), k * stride);
      labels[k] = this.labels[i];
      if (groups) groups[k] = this.groups![i];
    }
    return new AnalogDataset({ name, classes: this.classes, inputs: this.inputs, steps: this.steps, values, labels, classNames: this.classNames, groups });
  }
}

/** An event or an analog data set. */
export type AnyDataset = EventDataset | AnalogDataset;

/** The three splits every loader returns. */
export interface DatasetSplits<D extends AnyDataset = AnyDataset> {
  train: D;
  valid: D;
  test: D;
}

/** Picks Uint16Array when every value is below 65536, else Int32Array. */
export function indexArrayFor(maxValue: number, length: number): IndexArray {
  return maxValue < 65536 ? new Uint16Array(length) : new Int32Array(length);
}
