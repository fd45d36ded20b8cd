/** Flags that choose and configure a data set, shared by `data` and `train`. */
import type { Command } from 'commander';

import { DATASET_NAMES } from '../data/registry.js';
import { integer, number, positiveInteger } from './parse-flags.js';

// flag name -> key in the dataset options
const FLAG_KEYS: Record<string, string> = {
  dataPath: 'path',
  dataSeed: 'seed',
  steps: 'steps',
  limit: 'limit',
  validFraction: 'validFraction',
  classes: 'classes',
  units: 'units',
  dim: 'dim',
  alpha: 'alpha',
  samplesPerClassData: 'samplesPerClass',
  stepFrac: 'stepFrac',
  spikesPerUnit: 'spikes',
  tauEff: 'tauEff',
  latencyThreshold: 'threshold',
  dt: 'dt',
  maxTime: 'maxTime',
  multiple: 'multiple',
  validation: 'validation',
  inputChannels: 'inputs',
  verify: 'verify',
  speakers: 'speakers',
  testSpeakers: 'testSpeakers',
  repetitions: 'repetitions',
};

export function addDatasetFlags(cmd: Command): Command {
  return cmd
    .option('--data-path <dir>', 'directory of the data set files (Fashion-MNIST: /usr/share/datasets/fashion-mnist)')
    .option('--data-seed <n>', 'seed of data generation and splits', integer)
    .option('--steps <n>', 'time steps per sample (T)', positiveInteger)
    .option('--limit <n>', 'use only the first N training samples (quick runs)', positiveInteger)
    .option('--valid-fraction <x>', 'fraction of the training set held out for validation', number)
    .option('--classes <n>', 'randman: number of classes', positiveInteger)
    .option('--units <n>', 'randman: input units (embedding dimension)', positiveInteger)
    .option('--dim <n>', 'randman: manifold dimension', positiveInteger)
    .option('--alpha <x>', 'randman: smoothness (larger is smoother)', number)
    .option('--samples-per-class-data <n>', 'randman: samples per class', positiveInteger)
    .option('--step-frac <x>', 'randman: spikes fall in the first step-frac * T steps', number)
    .option('--spikes-per-unit <n>', 'randman: spikes per unit', positiveInteger)
    .option('--tau-eff <x>', 'images: latency code time constant in steps', number)
    .option('--latency-threshold <x>', 'images: intensity threshold of the latency code', number)
    .option('--dt <seconds>', 'shd/ssc/spoken-digits: seconds per time step', number)
    .option('--max-time <seconds>', 'shd/ssc: window length when --dt is not given', number)
    .option('--multiple <mode>', "shd/ssc: several spikes of a unit in one step: 'clip' or 'count'")
    .option('--validation <mode>', "shd: validation split 'random' or 'speaker'")
    .option('--input-channels <n>', 'shd/ssc: input channels (700)', positiveInteger)
    .option('--no-verify', 'shd: skip the md5 check of the official files')
    .option('--speakers <n>', 'spoken-digits: synthetic speakers in all', positiveInteger)
    .option('--test-speakers <n>', 'spoken-digits: speakers held out as the test split', positiveInteger)
    .option('--repetitions <n>', 'spoken-digits: utterances of every word by every speaker', positiveInteger)
    .option('--front-end <kind>', "spoken-digits/audio: 'cochlea' (spikes) or 'log-mel' (analog input currents)");
}

/**
 * The dataset config from a config file's section (if any), overridden by the flags given. Only flags the user
 * set are included, so the data set's own defaults apply otherwise.
 */
export function datasetConfigFromFlags(
  name: string | undefined,
  flags: Record<string, unknown>,
  fromFile: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...(fromFile ?? {}) };
  if (name !== undefined) config.name = name;
  if (config.name === undefined) config.name = 'randman';
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const value = flags[flag];
    // --no-verify defaults to true in commander; only an explicit --no-verify (false) is passed on.
    if (flag === 'verify' ? value === false : value !== undefined) config[key] = value;
  }
  // The other front-end options of a config file are kept; the data set's schema names any the kind lacks.
  if (flags.frontEnd !== undefined) config.frontEnd = { ...((config.frontEnd as Record<string, unknown> | undefined) ?? {}), kind: flags.frontEnd };
  return config;
}

export const DATASET_CHOICES = DATASET_NAMES.join('|');
