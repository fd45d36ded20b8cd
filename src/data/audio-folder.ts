/**
 * `audio`: a directory of WAV files with one sub-directory per class (the Speech Commands layout), through an audio
 * front end. Classes are the sub-directories in name order (those starting with "_" or "." are skipped, like Speech
 * Commands' _background_noise_). With validation_list.txt and testing_list.txt (paths relative to the directory, one
 * per line) those files form the validation and test splits; without them a seeded random split by fractions.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { encodeDataset, FrontEndSchema, normalizeLevel } from '../audio/front-end.js';
import { resample } from '../audio/resample.js';
import { decodeWav } from '../audio/wav.js';
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { deriveSeed } from '../util/seeds.js';
import { parseWithSchema } from '../util/validate.js';
import type { AnyDataset, DatasetSplits } from './dataset.js';

export const AudioFolderOptionsSchema = z
  .object({
    /** The directory with one sub-directory of WAV files per class. */
    path: z.string().min(1),
    frontEnd: FrontEndSchema.prefault({ kind: 'cochlea' }),
    dt: z.number().positive().max(0.1).default(2e-3),
    steps: z.number().int().min(10).max(100000).default(500),
    /** Without the list files: fractions of validation and test samples. */
    validFraction: z.number().min(0).max(0.5).default(0.1),
    testFraction: z.number().min(0).max(0.5).default(0.1),
    /** Use only the first N files of each class (quick runs). */
    limit: z.number().int().positive().optional(),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
  })
  .strict();

export type AudioFolderOptions = z.output<typeof AudioFolderOptionsSchema>;

export function parseAudioFolderOptions(input: unknown): AudioFolderOptions {
  return parseWithSchema(AudioFolderOptionsSchema, input ?? {}, 'audio options');
}

export const VALIDATION_LIST = 'validation_list.txt';
export const TESTING_LIST = 'testing_list.txt';

/** The classes and their files (relative paths, sorted), checked: no empty class, at least two classes. */
export function audioFolderFiles(o: AudioFolderOptions): { classes: string[]; files: string[][] } {
  const root = o.path;
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ConfigError('data set', [{ path: 'dataset.path', message: `${root} is not a directory (expected one sub-directory of WAV files per class)` }]);
  }
  const classes = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classes.length < 2) throw new ConfigError('data set', [{ path: 'dataset.path', message: `${root} has ${classes.length} class directories; expected at least 2` }]);
  const files = classes.map((c) => {
    const list = readdirSync(path.join(root, c))
      .filter((f) => f.toLowerCase().endsWith('.wav'))
      .sort()
      .map((f) => `${c}/${f}`);
    if (list.length === 0) throw new ConfigError('data set', [{ path: 'dataset.path', message: `class directory ${path.join(root, c)} holds no .wav files` }]);
    return o.limit ? list.slice(0, o.limit) : list;
  });
  return { classes, files };
}

/** Every file the data set reads (for the cache key): the WAV files and the list files. */
export function audioFolderSources(o: AudioFolderOptions): string[] {
  const { files } = audioFolderFiles(o);
  const lists = [VALIDATION_LIST, TESTING_LIST].map((f) => path.join(o.path, f)).filter((f) => existsSync(f));
  return [...files.flat().map((f) => path.join(o.path, f)), ...lists];
}

function readList(file: string): Set<string> | null {
  if (!existsSync(file)) return null;
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/\\/g, '/'))
      .filter(Boolean),
  );
}

export async function loadAudioFolder(o: AudioFolderOptions, threads: number, log: (m: string) => void = () => undefined): Promise<{ splits: DatasetSplits<AnyDataset>; extra: Record<string, unknown> }> {
  const fe = o.frontEnd;
  const { classes, files } = audioFolderFiles(o);
  const all = files.flatMap((list, label) => list.map((f) => ({ file: f, label })));
  log(`audio: ${all.length} files in ${classes.length} classes under ${o.path}`);
  const grid = { dt: o.dt, steps: o.steps };
  const read = ({ file }: { file: string }) => {
    const full = path.join(o.path, file);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(full);
    } catch (err) {
      throw new ConfigError('data set', [{ path: 'dataset.path', message: `${full}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
    }
    const wav = decodeWav(bytes, full);
    const x = resample(wav.samples, wav.sampleRate, fe.sampleRate);
    normalizeLevel(x, full);
    return x;
  };
  const data = await encodeDataset(fe, all, grid, threads, async (part) => part.map(read), ({ label }) => ({ label }), { name: 'audio', classes: classes.length, classNames: classes }, (done) => log(`audio: ${done} of ${all.length}`));
  const validList = readList(path.join(o.path, VALIDATION_LIST));
  const testList = readList(path.join(o.path, TESTING_LIST));
  const split: ('train' | 'valid' | 'test')[] = new Array(all.length);
  if (validList || testList) {
    all.forEach((a, i) => (split[i] = testList?.has(a.file) ? 'test' : validList?.has(a.file) ? 'valid' : 'train'));
  } else {
    const order = Array.from({ length: all.length }, (_, i) => i);
    new Rng(deriveSeed(o.seed, 'audio-split')).shuffle(order);
    const nTest = Math.round(all.length * o.testFraction);
    const nValid = Math.round(all.length * o.validFraction);
    order.forEach((i, k) => (split[i] = k < nTest ? 'test' : k < nTest + nValid ? 'valid' : 'train'));
  }
  const pick = (s: 'train' | 'valid' | 'test') => data.subset(split.flatMap((x, i) => (x === s ? [i] : [])), `audio/${s}`);
  return { splits: { train: pick('train'), valid: pick('valid'), test: pick('test') }, extra: { classes, lists: Boolean(validList || testList) } };
}
