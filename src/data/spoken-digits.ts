/**
 * `spoken-digits`: an offline spoken-digit task shaped like the Spiking Heidelberg Digits. The digits 0-9 in English
 * and German (20 classes) are spoken by Debian's espeak-ng; a "speaker" is an accent, a voice variant, a pitch and a
 * speed, and every utterance gets a little jitter of pitch and speed, a synthetic room (sparse early reflections)
 * and background noise. Test speakers are never heard in training (as SHD's test split); validation holds out whole
 * training speakers. Everything follows from the seed, so the same options give the same data set, which the
 * data set cache keeps. Sounds go through an audio front end (cochlear spikes by default; src/audio).
 */
import { spawn, spawnSync } from 'node:child_process';

import { z } from 'zod';

import { encodeDataset, FrontEndSchema, normalizeLevel } from '../audio/front-end.js';
import { resample } from '../audio/resample.js';
import { decodeWav } from '../audio/wav.js';
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { deriveSeed } from '../util/seeds.js';
import { parseWithSchema } from '../util/validate.js';
import type { AnyDataset, DatasetSplits } from './dataset.js';
import { holdOutGroups } from './splits.js';

export const DIGIT_WORDS = {
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  de: ['null', 'eins', 'zwei', 'drei', 'vier', 'fünf', 'sechs', 'sieben', 'acht', 'neun'],
} as const;

// espeak-ng's own voices (no MBROLA): English accents and German, and the voice variants every language can use.
const EN_VOICES = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029'];
const VARIANTS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5', 'klatt', 'klatt2', 'klatt3', 'croak', 'whisper'];

/** Options of spoken-digits: speakers, repetitions, the front end, the time grid, seed. */
export const SpokenDigitsOptionsSchema = z
  .object({
    /** Speakers in all; the last `testSpeakers` of a seeded order are the test split. */
    speakers: z.number().int().min(3).max(200).default(28),
    testSpeakers: z.number().int().min(1).max(100).default(6),
    /** Utterances of every word by every speaker. */
    repetitions: z.number().int().min(1).max(100).default(6),
    languages: z.array(z.enum(['en', 'de'])).min(1).max(2).default(['en', 'de']),
    /** Network step (s) and steps per sample: 2 ms x 500 = 1 s, as the paper's audio setting. */
    dt: z.number().positive().max(0.1).default(2e-3),
    steps: z.number().int().min(10).max(100000).default(500),
    frontEnd: FrontEndSchema.prefault({ kind: 'cochlea' }),
    /** Signal-to-noise ratio range of the background noise, dB. */
    snr: z.tuple([z.number(), z.number()]).default([15, 35]),
    /** Fraction of utterances in a synthetic room (else dry). */
    room: z.number().min(0).max(1).default(0.5),
    /** Fraction of the training speakers' samples held out (by speaker) for validation. */
    validFraction: z.number().min(0.01).max(0.5).default(0.1),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.testSpeakers >= o.speakers - 1) ctx.addIssue({ code: 'custom', path: ['testSpeakers'], message: `must leave at least 2 of the ${o.speakers} speakers for training` });
    if (!(o.snr[0] <= o.snr[1])) ctx.addIssue({ code: 'custom', path: ['snr'], message: 'expected [low, high] dB' });
  });

export type SpokenDigitsOptions = z.output<typeof SpokenDigitsOptionsSchema>;

export function parseSpokenDigitsOptions(input: unknown): SpokenDigitsOptions {
  return parseWithSchema(SpokenDigitsOptionsSchema, input ?? {}, 'spoken-digits options');
}

/** The espeak-ng version (part of the cache key: another synthesizer version is another data set). */
export function espeakVersion(): string {
  const r = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new ConfigError('data set', [{ path: 'dataset.name', message: 'spoken-digits is generated with espeak-ng, which is not installed (Debian/Ubuntu: apt-get install espeak-ng)' }]);
  }
  return r.stdout.trim();
}

interface Speaker {
  en: string;
  variant: string;
  pitch: number;
  speed: number;
}

function speakers(o: SpokenDigitsOptions): Speaker[] {
  const rng = new Rng(deriveSeed(o.seed, 'speakers'));
  return Array.from({ length: o.speakers }, () => ({
    en: EN_VOICES[rng.int(EN_VOICES.length)],
    variant: VARIANTS[rng.int(VARIANTS.length)],
    pitch: 25 + rng.int(51),
    speed: 130 + rng.int(61),
  }));
}

/** One utterance's synthesis: espeak-ng's WAV on stdout. */
function speak(voice: string, pitch: number, speed: number, word: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('espeak-ng', ['-v', voice, '-p', String(pitch), '-s', String(speed), '--stdout', word], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`espeak-ng -v ${voice} "${word}" failed (${code}): ${err.trim()}`))));
  });
}

/** Sparse early reflections (a room's first 150 ms) added to the dry sound; the direct sound keeps unit gain. */
function addRoom(x: Float32Array, rate: number, rng: Rng): Float32Array {
  const length = Math.round(0.15 * rate);
  const decay = (0.03 + 0.05 * rng.uniform()) * rate; // e-folding in samples (RT60 of about 0.2-0.55 s)
  const out = x.slice();
  for (let k = 0; k < 48; k++) {
    const delay = 1 + rng.int(length);
    const gain = 0.6 * (rng.uniform() * 2 - 1) * Math.exp(-delay / decay);
    for (let i = delay; i < x.length; i++) out[i] += gain * x[i - delay];
  }
  return out;
}

function addNoise(x: Float32Array, snrDb: number, rng: Rng): void {
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += x[i] * x[i];
  const sigma = Math.sqrt(sq / x.length) * 10 ** (-snrDb / 20);
  for (let i = 0; i < x.length; i += 2) {
    // Box-Muller: two normal samples per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - rng.uniform()));
    const a = 2 * Math.PI * rng.uniform();
    x[i] += sigma * r * Math.cos(a);
    if (i + 1 < x.length) x[i + 1] += sigma * r * Math.sin(a);
  }
}

/** Runs `work` on every item with at most `limit` at a time, keeping the order of results. */
async function pool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i], i);
      }
    }),
  );
  return out;
}

/** Generates the data set: synthesis, room, noise, the front end; splits by speaker. */
export async function generateSpokenDigits(o: SpokenDigitsOptions, threads: number, log: (m: string) => void = () => undefined): Promise<{ splits: DatasetSplits<AnyDataset>; extra: Record<string, unknown> }> {
  const version = espeakVersion();
  const fe = o.frontEnd;
  const voices = speakers(o);
  const order = Array.from({ length: o.speakers }, (_, i) => i);
  new Rng(deriveSeed(o.seed, 'test-speakers')).shuffle(order);
  const testSet = new Set(order.slice(o.speakers - o.testSpeakers));
  const words = o.languages.flatMap((lang) => DIGIT_WORDS[lang].map((w) => ({ lang, word: w }))).map((w, label) => ({ ...w, label }));
  const jobs: { speaker: number; word: string; lang: 'en' | 'de'; label: number; rep: number }[] = [];
  for (let s = 0; s < o.speakers; s++) for (const w of words) for (let rep = 0; rep < o.repetitions; rep++) jobs.push({ speaker: s, ...w, rep });
  log(`spoken-digits: synthesizing ${jobs.length} utterances with ${version.split(' ').slice(0, 4).join(' ')}`);
  const grid = { dt: o.dt, steps: o.steps };
  const synthesize = async (job: (typeof jobs)[number]) => {
    const rng = new Rng(deriveSeed(o.seed, `utterance-${job.speaker}-${job.label}-${job.rep}`));
    const v = voices[job.speaker];
    const voice = `${job.lang === 'en' ? v.en : 'de'}+${v.variant}`;
    const wav = decodeWav(await speak(voice, Math.max(0, Math.min(99, v.pitch + rng.int(11) - 5)), v.speed + rng.int(21) - 10, job.word), `espeak-ng ${voice} "${job.word}"`);
    let x = resample(wav.samples, wav.sampleRate, fe.sampleRate);
    if (rng.uniform() < o.room) x = addRoom(x, fe.sampleRate, rng);
    addNoise(x, o.snr[0] + (o.snr[1] - o.snr[0]) * rng.uniform(), rng);
    normalizeLevel(x, `espeak-ng ${voice} "${job.word}"`);
    return x;
  };
  const all = await encodeDataset(
    fe,
    jobs,
    grid,
    threads,
    (part) => pool(part, Math.max(1, threads), synthesize),
    (job) => ({ label: job.label, group: job.speaker }),
    { name: 'spoken-digits', classes: words.length, classNames: words.map((w) => `${w.lang}:${w.word}`), withGroups: true },
    (done) => log(`spoken-digits: ${done} of ${jobs.length}`),
  );
  const groups = jobs.map((job) => job.speaker);
  const test: number[] = [];
  const rest: number[] = [];
  groups.forEach((g, i) => (testSet.has(g) ? test : rest).push(i));
  const { train, valid, validGroups } = holdOutGroups(all.subset(rest, 'spoken-digits/train+valid'), o.validFraction, o.seed);
  return {
    splits: { train, valid, test: all.subset(test, 'spoken-digits/test') },
    extra: { espeak: version, testSpeakers: [...testSet].sort((a, b) => a - b), validSpeakers: validGroups, speakers: voices },
  };
}
