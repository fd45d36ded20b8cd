/**
 * Batches as the engine takes them (docs/design.md section 3). Event input is a sorted list of (step, unit) per
 * sample; analog input is a dense [size][steps][inputs] array. The native addon checks every index.
 */

/** Spike input: the events of sample b are [offsets[b], offsets[b+1]), sorted by time step. */
export interface EventBatch {
  size: number;
  steps: number;
  offsets: Int32Array;
  times: Int32Array;
  units: Int32Array;
  /** One class per sample; needed for the loss, optional for forward(). */
  labels?: Int32Array;
}

/** Analog input values [size][steps][inputs], row-major. */
export interface AnalogBatch {
  size: number;
  steps: number;
  values: Float32Array;
  labels?: Int32Array;
}

/** An event or an analog batch. */
export type Batch = EventBatch | AnalogBatch;

/** Whether a batch carries analog values (`AnalogBatch`) rather than events. */
export function isAnalogBatch(batch: Batch): batch is AnalogBatch {
  return (batch as AnalogBatch).values !== undefined;
}

/**
 * Builds an EventBatch from per-sample event lists. Events need not be sorted; they are sorted by step (then
 * unit) here.
 */
export function eventBatchFromLists(
  samples: ReadonlyArray<{ times: ArrayLike<number>; units: ArrayLike<number>; label?: number }>,
  steps: number,
): EventBatch {
  const offsets = new Int32Array(samples.length + 1);
  let total = 0;
  samples.forEach((s, b) => {
    if (s.times.length !== s.units.length) {
      throw new RangeError(`samples[${b}]: times and units must have equal lengths (${s.times.length} vs ${s.units.length})`);
    }
    total += s.times.length;
    offsets[b + 1] = total;
  });
  const times = new Int32Array(total);
  const units = new Int32Array(total);
  const labels = new Int32Array(samples.length);
  samples.forEach((s, b) => {
    const order = Array.from({ length: s.times.length }, (_, i) => i).sort(
      (i, j) => s.times[i] - s.times[j] || s.units[i] - s.units[j],
    );
    order.forEach((i, k) => {
      times[offsets[b] + k] = s.times[i];
      units[offsets[b] + k] = s.units[i];
    });
    labels[b] = s.label ?? 0;
  });
  return { size: samples.length, steps, offsets, times, units, labels };
}
