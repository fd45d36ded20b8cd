/** Accumulates the events of many samples into the flat arrays of an EventDataset without per-event objects. */
import { EventDataset, type IndexArray, indexArrayFor } from './dataset.js';

export class EventsBuilder {
  private times: IndexArray;
  private units: IndexArray;
  private length = 0;
  private readonly offsets: number[] = [0];
  private readonly labels: number[] = [];
  private readonly groups: number[] = [];

  constructor(private readonly maxStep: number, private readonly maxUnit: number, capacity = 1 << 16) {
    this.times = indexArrayFor(maxStep, capacity);
    this.units = indexArrayFor(maxUnit, capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.times.length) return;
    const capacity = Math.max(this.length + extra, 2 * this.times.length);
    const times = indexArrayFor(this.maxStep, capacity);
    const units = indexArrayFor(this.maxUnit, capacity);
    times.set(this.times.subarray(0, this.length));
    units.set(this.units.subarray(0, this.length));
    this.times = times;
    this.units = units;
  }

  /** Adds one sample whose events (already sorted by step) are given as parallel arrays. */
  addSample(steps: ArrayLike<number>, units: ArrayLike<number>, count: number, label: number, group = 0): void {
    this.reserve(count);
    for (let j = 0; j < count; j++) {
      this.times[this.length + j] = steps[j];
      this.units[this.length + j] = units[j];
    }
    this.length += count;
    this.offsets.push(this.length);
    this.labels.push(label);
    this.groups.push(group);
  }

  build(init: { name: string; classes: number; inputs: number; steps: number; classNames?: readonly string[]; withGroups?: boolean }): EventDataset {
    return new EventDataset({
      ...init,
      offsets: Float64Array.from(this.offsets),
      times: this.times.slice(0, this.length),
      units: this.units.slice(0, this.length),
      labels: Int32Array.from(this.labels),
      groups: init.withGroups ? Int32Array.from(this.groups) : undefined,
    });
  }
}
