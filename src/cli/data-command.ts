import path from 'node:path';

import type { Command } from 'commander';

import { describeDataset } from '../data/describe.js';
import { exportSplitsH5 } from '../data/export-h5.js';
import { loadDataset } from '../data/registry.js';
import { rasterSpec } from '../report/raster.js';
import { writeChart } from '../report/render.js';
import { readConfigFile } from '../util/config-file.js';
import { addDatasetFlags, DATASET_CHOICES, datasetConfigFromFlags } from './dataset-flags.js';
import { positiveInteger } from './parse-flags.js';

interface DataFlags extends Record<string, unknown> {
  config?: string;
  describe?: boolean;
  raster?: string;
  exportH5?: string;
  samplesPerClass?: number;
  split: 'train' | 'valid' | 'test';
  json?: boolean;
  cacheDir?: string;
  cache: boolean;
}

export function registerData(program: Command): void {
  const cmd = program
    .command('data')
    .argument('<name>', `data set: ${DATASET_CHOICES}`)
    .description('prepare a data set (cached on disk), describe it, draw spike rasters, or export it as HDF5')
    .option('--config <file>', 'JSON or YAML file with the data set options (or a train config with a "dataset" section)')
    .option('--describe', 'print sizes, classes, spikes per sample and per unit (the default action)')
    .option('--raster <file>', 'draw spike rasters of a few samples per class (.svg or .png)')
    .option('--export-h5 <dir>', 'write every split in the SHD HDF5 layout: <dir>/<name>_{train,valid,test}.h5')
    .option('--samples-per-class <n>', 'samples per class in the raster', positiveInteger, 2)
    .option('--split <split>', 'split to describe or draw: train, valid or test', 'train')
    .option('--json', 'print the description as JSON')
    .option('--cache-dir <dir>', 'dataset cache directory (default $SPIKEGRAD_CACHE or ~/.cache/spikegrad)')
    .option('--no-cache', 'rebuild the data set and do not write the cache');
  addDatasetFlags(cmd);
  cmd.action(async (name: string, flags: DataFlags) => {
    if (!['train', 'valid', 'test'].includes(flags.split)) throw new Error(`--split: expected train, valid or test, got "${flags.split}"`);
    const file = flags.config ? readConfigFile(flags.config) : undefined;
    const section = file && typeof file.dataset === 'object' ? (file.dataset as Record<string, unknown>) : file;
    const config = datasetConfigFromFlags(name, flags, section);
    const loaded = await loadDataset(config, {
      cacheDir: flags.cacheDir,
      cache: flags.cache,
      log: (m) => process.stderr.write(`${m}\n`),
    });
    const split = loaded.splits[flags.split];
    if (flags.raster) {
      if (split.kind !== 'events') throw new Error(`--raster: ${split.name} is analog input (no spikes to draw); a raster needs a spiking front end`);
      await writeChart(rasterSpec(split, { samplesPerClass: flags.samplesPerClass }), flags.raster);
      process.stdout.write(`wrote ${path.resolve(flags.raster)}\n`);
    }
    if (flags.exportH5) {
      // Spike times are stored in seconds: the data set's step, or 1 ms where it has none (randman, images).
      const dt = (loaded.config.options as { dt?: number }).dt ?? 1e-3;
      for (const f of exportSplitsH5(loaded.splits, flags.exportH5, loaded.config.name, dt)) process.stdout.write(`wrote ${path.resolve(f)}\n`);
    }
    if (flags.describe || !(flags.raster || flags.exportH5)) {
      const descriptions = Object.fromEntries(
        (['train', 'valid', 'test'] as const).map((s) => [s, describeDataset(loaded.splits[s])]),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ dataset: loaded.config, splits: descriptions, extra: loaded.extra, cache: loaded.cacheFile }, null, 2)}\n`);
      } else {
        process.stdout.write(formatDescription(loaded.config.name, descriptions, loaded.extra, loaded.cacheFile, loaded.fromCache, split.classNames));
      }
    }
  });
}

function formatDescription(
  name: string,
  splits: Record<string, ReturnType<typeof describeDataset>>,
  extra: Record<string, unknown>,
  cacheFile: string | undefined,
  fromCache: boolean,
  classNames?: readonly string[],
): string {
  const t = splits.train;
  const lines = [
    `${name}: ${t.classes} classes, ${t.inputs} inputs, ${t.steps} steps${t.kind === 'analog' ? ' (analog input: events and spikes count its non-zero values)' : ''}`,
    `${'split'.padEnd(6)} ${'samples'.padStart(8)} ${'events'.padStart(11)} ${'spikes/sample (min-max)'.padStart(26)} ${'spikes/unit'.padStart(12)} ${'density'.padStart(9)} ${'silent units'.padStart(13)}`,
  ];
  for (const [s, d] of Object.entries(splits)) {
    lines.push(
      `${s.padEnd(6)} ${String(d.samples).padStart(8)} ${String(d.events).padStart(11)} ` +
        `${`${d.spikesPerSample.mean.toFixed(1)} (${d.spikesPerSample.min}-${d.spikesPerSample.max})`.padStart(26)} ` +
        `${d.spikesPerUnit.toFixed(3).padStart(12)} ${d.density.toFixed(5).padStart(9)} ${`${(100 * d.silentUnits).toFixed(1)}%`.padStart(13)}`,
    );
  }
  lines.push(`classes (train): ${t.classCounts.map((n, c) => `${classNames?.[c] ?? c}=${n}`).join(', ')}`);
  const binning = extra.binning as { file: string; spikes: number; dropped: number; clipped: number }[] | undefined;
  if (binning) {
    for (const b of binning) {
      lines.push(`${path.basename(b.file)}: ${b.spikes} spikes, ${b.dropped} outside the window dropped, ${b.clipped} merged by clipping`);
    }
  }
  if (Array.isArray(extra.validSpeakers)) lines.push(`validation speakers: ${(extra.validSpeakers as number[]).join(', ')}`);
  if (cacheFile) lines.push(`cache: ${cacheFile}${fromCache ? ' (reused)' : ' (written)'}`);
  return `${lines.join('\n')}\n`;
}
