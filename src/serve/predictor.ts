/**
 * A Predictor serves many concurrent single-sample requests with few native calls: requests that arrive while a
 * call runs, or within `maxWaitMs` of the first waiting one, go into one batch of at most `maxBatch` samples.
 * One native call per request pays the fixed cost of a call (staging, thread start-up, Node-API) every time; a
 * batch pays it once and uses both cores. Results equal `net.predict` on each sample alone, bit for bit (samples
 * of a batch never interact).
 */
import { eventBatchFromLists } from '../model/batch.js';
import type { Network } from '../model/network.js';
import { ConfigError } from '../util/errors.js';

/** One sample: its input events (sorted by step) or, for an analog network, values [steps][inputs]. */
export type PredictorSample = { times: ArrayLike<number>; units: ArrayLike<number> } | { values: ArrayLike<number> };

/** What a request resolves to. */
export interface PredictorResult {
  /** The predicted class. */
  label: number;
  /** The time-reduced readout of every class (the logits). */
  scores: Float32Array;
}

/** How a Predictor batches: the samples' steps, the largest batch and the longest wait of a request. */
export interface PredictorOptions {
  /** Time steps of every sample (the network's input length). */
  steps: number;
  /** The largest batch one native call gets (default 64). */
  maxBatch?: number;
  /** How long the first waiting request may wait for others, in milliseconds (default 1). */
  maxWaitMs?: number;
  /** Samples are analog values instead of events (default false). */
  analog?: boolean;
}

/** Counters of a Predictor, for monitoring. */
export interface PredictorStats {
  requests: number;
  calls: number;
  /** Requests waiting for the next call. */
  queued: number;
}

interface Pending {
  sample: PredictorSample;
  resolve: (r: PredictorResult) => void;
  reject: (e: unknown) => void;
}

/** Collects concurrent `predict` calls into batched native calls on one network. */
export class Predictor {
  private readonly net: Network;
  private readonly steps: number;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly analog: boolean;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private counters = { requests: 0, calls: 0 };

  constructor(net: Network, options: PredictorOptions) {
    const issues: { path: string; message: string }[] = [];
    const { steps, maxBatch = 64, maxWaitMs = 1 } = options;
    if (!Number.isInteger(steps) || steps < 1) issues.push({ path: 'steps', message: `expected a positive integer, got ${steps}` });
    if (!Number.isInteger(maxBatch) || maxBatch < 1) issues.push({ path: 'maxBatch', message: `expected a positive integer, got ${maxBatch}` });
    if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) issues.push({ path: 'maxWaitMs', message: `expected a number of milliseconds >= 0, got ${maxWaitMs}` });
    if (issues.length > 0) throw new ConfigError('predictor options', issues);
    this.net = net;
    this.steps = steps;
    this.maxBatch = maxBatch;
    this.maxWaitMs = maxWaitMs;
    this.analog = options.analog === true;
  }

  get stats(): PredictorStats {
    return { ...this.counters, queued: this.queue.length };
  }

  /** The class of one sample; resolves when the batch it joined has run. A bad sample rejects alone. */
  predict(sample: PredictorSample): Promise<PredictorResult> {
    this.counters.requests++;
    return new Promise((resolve, reject) => {
      this.queue.push({ sample, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.maxBatch) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
    }
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.queue.length === 0) return;
    const taken = this.queue.splice(0, this.maxBatch);
    this.running = true;
    this.counters.calls++;
    this.run(taken).finally(() => {
      this.running = false;
      // Requests that came in during the call go next, without waiting again: they have waited already.
      if (this.queue.length > 0) this.flush();
    });
  }

  private async run(taken: Pending[]): Promise<void> {
    const valid: Pending[] = [];
    const inputs = this.net.config.inputs;
    for (const p of taken) {
      const problem = checkSample(p.sample, this.steps, inputs, this.analog);
      if (problem) p.reject(new ConfigError('predictor sample', [{ path: problem.path, message: problem.message }]));
      else valid.push(p);
    }
    if (valid.length === 0) return;
    try {
      const out = await this.net.predict(batchOf(valid.map((p) => p.sample), this.steps, this.analog));
      const classes = this.net.config.outputs;
      valid.forEach((p, i) => p.resolve({ label: out.labels[i], scores: out.scores.slice(i * classes, (i + 1) * classes) }));
    } catch (err) {
      for (const p of valid) p.reject(err);
    }
  }
}

/** A sample's problem, checked here so one bad request cannot fail the others of its batch. */
function checkSample(sample: PredictorSample, steps: number, inputs: number, analog: boolean): { path: string; message: string } | null {
  if (sample === null || typeof sample !== 'object' || analog !== 'values' in sample) {
    return { path: 'sample', message: analog ? 'expected { values } (this predictor takes analog input)' : 'expected { times, units } (this predictor takes events)' };
  }
  if ('values' in sample) {
    if (sample.values.length !== steps * inputs) return { path: 'values', message: `expected steps * inputs = ${steps * inputs} values, got ${sample.values.length}` };
    for (let i = 0; i < sample.values.length; i++) if (!Number.isFinite(sample.values[i])) return { path: `values[${i}]`, message: `expected a finite number, got ${sample.values[i]}` };
    return null;
  }
  if (!sample.times || !sample.units || sample.times.length !== sample.units.length) return { path: 'times', message: 'expected times and units of equal length' };
  let previous = 0;
  for (let e = 0; e < sample.times.length; e++) {
    const t = sample.times[e];
    const u = sample.units[e];
    if (!Number.isInteger(t) || t < 0 || t >= steps) return { path: `times[${e}]`, message: `expected a step in [0, ${steps}), got ${t}` };
    if (t < previous) return { path: `times[${e}]`, message: `events must be sorted by step, ${t} follows ${previous}` };
    if (!Number.isInteger(u) || u < 0 || u >= inputs) return { path: `units[${e}]`, message: `expected a unit in [0, ${inputs}), got ${u}` };
    previous = t;
  }
  return null;
}

function batchOf(samples: PredictorSample[], steps: number, analog: boolean) {
  if (analog) {
    const per = (samples[0] as { values: ArrayLike<number> }).values.length;
    const values = new Float32Array(samples.length * per);
    samples.forEach((s, i) => values.set((s as { values: ArrayLike<number> }).values, i * per));
    return { size: samples.length, steps, values };
  }
  // Checked already (sorted, in range), so the sorting eventBatchFromLists does changes nothing.
  return eventBatchFromLists(samples as { times: ArrayLike<number>; units: ArrayLike<number> }[], steps);
}
