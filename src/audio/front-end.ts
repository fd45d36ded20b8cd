/**
 * The audio front ends as spikegrad configures them (zod schemas, defaults, field names) and their use on many
 * utterances: level normalization, the native cochlea (spikes) or log-mel (analog) pass, and the result as data
 * set arrays. Models and parameters: docs/design.md section 10.
 */
import { z } from 'zod';

import { AnalogDataset, type AnyDataset } from '../data/dataset.js';
import { EventsBuilder } from '../data/events-builder.js';
import { loadNative } from '../model/native.js';
import { parseWithSchema } from '../util/validate.js';

const positive = z.number().positive().finite();

/** SHD-like spikes: gammatone filterbank, hair cells, LIF fibres (native/core/cochlea.h). */
export const CochleaOptionsSchema = z
  .object({
    kind: z.literal('cochlea'),
    /** Rate the sound is resampled to before the filterbank, Hz. */
    sampleRate: z.number().int().min(8000).max(96000).default(16000),
    channels: z.number().int().min(1).max(4096).default(700),
    fMin: positive.default(50),
    fMax: positive.default(7500),
    compression: z.number().min(0.01).max(1).default(0.3),
    ihcCutoff: positive.default(1000),
    gain: positive.default(4.5),
    fibres: z.number().int().min(1).max(64).default(1),
    threshold: positive.default(1),
    thresholdSpread: z.number().min(0).max(100).default(0.5),
    tau: positive.max(1).default(2e-3),
    refractory: z.number().min(0).max(1).default(2e-3),
  })
  .strict()
  .superRefine((o, ctx) => {
    // Checked again by the core; here so that a bad config fails before any sound is read.
    if (o.fMax > 0.49 * o.sampleRate) ctx.addIssue({ code: 'custom', path: ['fMax'], message: `${o.fMax} Hz is above 0.49 x the sample rate (${o.sampleRate} Hz)` });
    if (o.fMin >= o.fMax) ctx.addIssue({ code: 'custom', path: ['fMin'], message: `must be below fMax (${o.fMax} Hz)` });
  });

/** RawHD-style analog input: 40 log-mel filters of 25 ms frames every 10 ms (native/core/log_mel.h). */
export const LogMelOptionsSchema = z
  .object({
    kind: z.literal('log-mel'),
    sampleRate: z.number().int().min(8000).max(96000).default(16000),
    preEmphasis: z.number().min(0).max(1).default(0.95),
    frame: positive.max(1).default(0.025),
    stride: positive.max(1).default(0.01),
    fft: z.number().int().min(2).max(1 << 20).default(512),
    filters: z.number().int().min(1).max(4096).default(40),
    fMin: z.number().min(0).default(0),
    fMax: z.number().min(0).default(0),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.fft & (o.fft - 1)) !== 0) ctx.addIssue({ code: 'custom', path: ['fft'], message: `expected a power of two, got ${o.fft}` });
    if (o.fft < Math.round(o.frame * o.sampleRate)) ctx.addIssue({ code: 'custom', path: ['fft'], message: `shorter than a frame (${Math.round(o.frame * o.sampleRate)} samples)` });
    if (o.fMax > o.sampleRate / 2) ctx.addIssue({ code: 'custom', path: ['fMax'], message: `above half the sample rate (${o.sampleRate / 2} Hz)` });
  });

export const FrontEndSchema = z.discriminatedUnion('kind', [CochleaOptionsSchema, LogMelOptionsSchema]);
/** A validated front-end config. */
export type FrontEnd = z.output<typeof FrontEndSchema>;
/** A front-end config as a user writes it. */
export type FrontEndInput = z.input<typeof FrontEndSchema>;

export function parseFrontEnd(input: unknown): FrontEnd {
  return parseWithSchema(FrontEndSchema, input ?? { kind: 'cochlea' }, 'frontEnd');
}

/** Inputs a front end gives the network: channels or mel filters. */
export function frontEndInputs(fe: FrontEnd): number {
  return fe.kind === 'cochlea' ? fe.channels : fe.filters;
}

/** RMS every utterance is scaled to before the front end, so a fibre's threshold means the same for every file. */
export const REFERENCE_RMS = 0.1;

/** Scales to REFERENCE_RMS in place; throws naming the utterance when it is silent (nothing to normalize). */
export function normalizeLevel(x: Float32Array, name: string): void {
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += x[i] * x[i];
  const rms = Math.sqrt(sq / Math.max(1, x.length));
  if (!(rms > 1e-6)) throw new RangeError(`${name}: silent (RMS ${rms.toExponential(2)}); nothing to hear`);
  const k = REFERENCE_RMS / rms;
  for (let i = 0; i < x.length; i++) x[i] *= k;
}

/** The time grid of the samples: network step `dt` (s) and `steps` per sample. */
export interface TimeGrid {
  dt: number;
  steps: number;
}

/** Utterances (at fe.sampleRate, level-normalized) through the native front end on the given time grid. */
function runFrontEnd(fe: FrontEnd, utterances: Float32Array[], grid: TimeGrid, options: { threads: number; cochleagram?: boolean }) {
  const { audio, offsets } = concat(utterances);
  const { kind, ...rest } = fe;
  return loadNative().audioFrontEnd({ kind, ...rest, dt: grid.dt, steps: grid.steps }, audio, offsets, options);
}

/** Spikes of many utterances (already at fe.sampleRate and level-normalized): per utterance, sorted events. */
export async function cochleaEvents(fe: Extract<FrontEnd, { kind: 'cochlea' }>, utterances: Float32Array[], grid: TimeGrid, threads: number) {
  const r = await runFrontEnd(fe, utterances, grid, { threads });
  return { offsets: r.offsets!, times: r.times!, units: r.units! };
}

/** What a data set made by encodeDataset is called and how its samples are labelled. */
export interface EncodedDatasetInfo {
  name: string;
  classes: number;
  classNames?: readonly string[];
  /** Keep each item's group (e.g. its speaker) for group-wise splits. */
  withGroups?: boolean;
}

/**
 * `items` through the front end, `chunk` at a time so only one chunk's sounds are in memory: `sound` makes each
 * item's utterance (at fe.sampleRate, level-normalized) and `labelOf` its label and group; `progress` hears how many
 * are done. A cochlea gives an EventDataset of spikes, log-mel an AnalogDataset of [steps][filters] currents.
 */
export async function encodeDataset<T>(
  fe: FrontEnd,
  items: T[],
  grid: TimeGrid,
  threads: number,
  sound: (part: T[]) => Promise<Float32Array[]>,
  labelOf: (item: T) => { label: number; group?: number },
  info: EncodedDatasetInfo,
  progress: (done: number) => void = () => undefined,
  chunk = 256,
): Promise<AnyDataset> {
  const inputs = frontEndInputs(fe);
  const labels = new Int32Array(items.length);
  const groups = new Int32Array(items.length);
  items.forEach((item, i) => {
    const { label, group } = labelOf(item);
    labels[i] = label;
    groups[i] = group ?? 0;
  });
  const events = fe.kind === 'cochlea' ? new EventsBuilder(grid.steps, inputs) : null;
  const stride = grid.steps * inputs;
  const values = fe.kind === 'log-mel' ? new Float32Array(items.length * stride) : null;
  for (let start = 0; start < items.length; start += chunk) {
    const part = items.slice(start, start + chunk);
    const sounds = await sound(part);
    if (fe.kind === 'cochlea') {
      const ev = await cochleaEvents(fe, sounds, grid, threads);
      part.forEach((_, k) => {
        const [a, b] = [ev.offsets[k], ev.offsets[k + 1]];
        events!.addSample(ev.times.subarray(a, b), ev.units.subarray(a, b), b - a, labels[start + k], groups[start + k]);
      });
    } else {
      values!.set(await logMelValues(fe, sounds, grid, threads), start * stride);
    }
    progress(start + part.length);
  }
  const shape = { name: info.name, classes: info.classes, inputs, steps: grid.steps, classNames: info.classNames };
  if (events) return events.build({ ...shape, withGroups: info.withGroups });
  return new AnalogDataset({ ...shape, values: values!, labels, groups: info.withGroups ? groups : undefined });
}

/** Log-mel inputs of many utterances: [n][steps][filters]. */
export async function logMelValues(fe: Extract<FrontEnd, { kind: 'log-mel' }>, utterances: Float32Array[], grid: TimeGrid, threads: number): Promise<Float32Array> {
  return (await runFrontEnd(fe, utterances, grid, { threads })).values!;
}

/** One utterance's cochleagram ([steps][channels], compressed hair-cell output) and spikes, for figures. */
export async function cochleagram(fe: Extract<FrontEnd, { kind: 'cochlea' }>, utterance: Float32Array, grid: TimeGrid) {
  const r = await runFrontEnd(fe, [utterance], grid, { threads: 1, cochleagram: true });
  return { cochleagram: r.cochleagram!, times: r.times!, units: r.units! };
}

function concat(parts: Float32Array[]): { audio: Float32Array; offsets: Float64Array } {
  const offsets = new Float64Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i] + parts[i].length;
  const audio = new Float32Array(offsets[parts.length]);
  parts.forEach((p, i) => audio.set(p, offsets[i]));
  return { audio, offsets };
}
