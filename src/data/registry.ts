/**
 * One entry point for every data set: parse its options (zod), find its source files, and return train / valid /
 * test splits, from the on-disk cache when an entry for exactly these options and files exists.
 */
import { z } from 'zod';

import { ConfigError } from '../util/errors.js';
import { defaultThreads } from '../util/threads.js';
import { parseWithSchema } from '../util/validate.js';
import { CacheCorrupt, cacheFileFor, defaultCacheDir, fileIdentity, readCache, writeCache } from './cache.js';
import type { AnyDataset, DatasetSplits } from './dataset.js';
import { type ImageOptions, loadImageDataset, locateImageFiles, parseImageOptions } from './images.js';
import { generateRandman, parseRandmanOptions, type RandmanOptions } from './randman.js';
import { defaultDataDir, type HeidelbergOptions, heidelbergFiles, loadHeidelberg, parseHeidelbergOptions } from './shd.js';
import { audioFolderSources, loadAudioFolder, parseAudioFolderOptions, type AudioFolderOptions } from './audio-folder.js';
import { espeakVersion, generateSpokenDigits, parseSpokenDigitsOptions, type SpokenDigitsOptions } from './spoken-digits.js';

/**
 * The built-in data sets: randman (generated, no download), fashion-mnist and mnist (IDX files, latency code), shd
 * and ssc (the Spiking Heidelberg Datasets' HDF5 files), spoken-digits (synthesized with espeak-ng) and audio (a
 * directory of WAV files per class), both as cochlear spikes or as log-mel analog input (their `frontEnd`).
 */
export const DATASET_NAMES = ['randman', 'fashion-mnist', 'mnist', 'shd', 'ssc', 'spoken-digits', 'audio'] as const;
/** One of DATASET_NAMES. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Bumped when a loader's output changes for the same options, so old cache entries are not reused. */
const GENERATOR_VERSION: Record<DatasetName, number> = { randman: 1, 'fashion-mnist': 1, mnist: 1, shd: 1, ssc: 1, 'spoken-digits': 1, audio: 1 };

export type ParsedDatasetConfig =
  | { name: 'randman'; options: RandmanOptions }
  | { name: 'fashion-mnist' | 'mnist'; options: ImageOptions }
  | { name: 'shd' | 'ssc'; options: HeidelbergOptions }
  | { name: 'spoken-digits'; options: SpokenDigitsOptions }
  | { name: 'audio'; options: AudioFolderOptions };

/** `{ name, ...options }` with the options of that data set (unknown keys are errors). */
export function parseDatasetConfig(input: unknown): ParsedDatasetConfig {
  const head = parseWithSchema(z.object({ name: z.enum(DATASET_NAMES) }).loose(), input, 'dataset config');
  const { name: _name, ...rest } = input as Record<string, unknown>;
  const prefix = (err: unknown) =>
    err instanceof ConfigError ? new ConfigError(`dataset config (${head.name})`, err.issues) : err;
  try {
    switch (head.name) {
      case 'randman':
        return { name: 'randman', options: parseRandmanOptions(rest) };
      case 'fashion-mnist':
      case 'mnist':
        return { name: head.name, options: parseImageOptions(rest) };
      case 'shd':
      case 'ssc':
        return { name: head.name, options: parseHeidelbergOptions(rest) };
      case 'spoken-digits':
        return { name: 'spoken-digits', options: parseSpokenDigitsOptions(rest) };
      case 'audio':
        return { name: 'audio', options: parseAudioFolderOptions(rest) };
    }
  } catch (err) {
    throw prefix(err);
  }
}

/**
 * Where and how `loadDataset` works: cache directory (default $SPIKEGRAD_CACHE or ~/.cache/spikegrad), whether to
 * use the cache (default true), threads, and a log callback.
 */
export interface LoadOptions {
  /** Directory of the dataset cache; default $SPIKEGRAD_CACHE or ~/.cache/spikegrad. */
  cacheDir?: string;
  /** false: always rebuild and never write the cache. */
  cache?: boolean;
  threads?: number;
  /** Progress and warnings (default: silent). */
  log?: (message: string) => void;
}

/**
 * What `loadDataset` returns: the validated config, the train/valid/test splits, data set extras, and the cache
 * file used.
 */
export interface LoadedDataset {
  config: ParsedDatasetConfig;
  /** Event splits, or analog ones (a log-mel front end). */
  splits: DatasetSplits<AnyDataset>;
  /** Loader facts worth reporting (SHD binning: dropped and clipped spikes; held-out speakers). */
  extra: Record<string, unknown>;
  cacheFile?: string;
  fromCache: boolean;
}

function sourceFiles(config: ParsedDatasetConfig): string[] {
  switch (config.name) {
    case 'randman':
    case 'spoken-digits':
      return [];
    case 'audio':
      return audioFolderSources(config.options);
    case 'fashion-mnist':
    case 'mnist':
      return Object.values(locateImageFiles(config.name, config.options.path));
    case 'shd':
    case 'ssc':
      return Object.values(heidelbergFiles(config.name, config.options.path ?? defaultDataDir(config.name))).filter(
        (f): f is string => f !== undefined,
      );
  }
}

async function build(config: ParsedDatasetConfig, threads: number, log: (m: string) => void): Promise<{ splits: DatasetSplits<AnyDataset>; extra: Record<string, unknown> }> {
  switch (config.name) {
    case 'spoken-digits':
      return generateSpokenDigits(config.options, threads, log);
    case 'audio':
      return loadAudioFolder(config.options, threads, log);
    case 'randman':
      return { splits: (await generateRandman(config.options, threads)).splits, extra: {} };
    case 'fashion-mnist':
    case 'mnist':
      return { splits: loadImageDataset(config.name, config.options), extra: {} };
    case 'shd':
    case 'ssc': {
      const { splits, reports, validSpeakers } = await loadHeidelberg(config.name, config.options);
      return { splits, extra: { binning: reports, validSpeakers } };
    }
  }
}

/**
 * Loads a data set by config (`{ name, ...options }`), from the on-disk cache when an entry with exactly these options
 * and source files exists, otherwise by preparing it and caching the result. Throws a ConfigError for bad options
 * and names missing files.
 */
export async function loadDataset(input: unknown, options: LoadOptions = {}): Promise<LoadedDataset> {
  const config = parseDatasetConfig(input);
  const log = options.log ?? (() => undefined);
  const sources = sourceFiles(config); // fails early, with directions, when data are missing
  const useCache = options.cache !== false;
  // A synthesized data set also depends on the synthesizer's version (and fails here, with directions, without it).
  const synthesizer = config.name === 'spoken-digits' ? { synthesizer: espeakVersion() } : {};
  const key = { name: config.name, options: config.options, sources: sources.map(fileIdentity), generator: GENERATOR_VERSION[config.name], ...synthesizer };
  const file = cacheFileFor(options.cacheDir ?? defaultCacheDir(), config.name, key);
  if (useCache) {
    try {
      const cached = readCache(file, key);
      if (cached) {
        const { train, valid, test } = cached.splits;
        if (train && valid && test) return { config, splits: { train, valid, test }, extra: cached.extra, cacheFile: file, fromCache: true };
      }
    } catch (err) {
      if (!(err instanceof CacheCorrupt)) throw err;
      log(`${err.message}; rebuilding it`);
    }
  }
  log(`preparing ${config.name}`);
  const built = await build(config, options.threads ?? defaultThreads(), log);
  if (useCache) {
    try {
      writeCache(file, key, { splits: { ...built.splits }, extra: built.extra });
    } catch (err) {
      log(`warning: could not write the dataset cache ${file} (${(err as Error).message}); continuing without it`);
      return { config, splits: built.splits, extra: built.extra, fromCache: false };
    }
  }
  return { config, splits: built.splits, extra: built.extra, cacheFile: useCache ? file : undefined, fromCache: false };
}
