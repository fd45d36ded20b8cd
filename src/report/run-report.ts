/**
 * `spikegrad report RUN_DIR`: the figures of one training run, from its checkpoint alone (no sweep needed):
 * learning curves (training loss; training and validation accuracy; spikes per neuron per sample, one line per
 * hidden layer) and rasters of one test sample, input spikes and every hidden layer, before training (the
 * initial weights, rebuilt from the run's seed) and after (the weights the run kept). SVG, PNG and CSV each.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { TopLevelSpec } from 'vega-lite';

import { readCheckpoint } from '../io/checkpoint.js';
import { CHECKPOINT_FILE } from '../train/run.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { toCsv } from './aggregate.js';
import { svgToPng, toSvg } from './render.js';
import { learningCurvesFigure, runRastersFigure } from './run-figures.js';

/** Options of `writeRunReport`: output directory (default RUN_DIR/report), cache directory, log. */
export interface RunReportOptions {
  /** Output directory; default RUN_DIR/report. */
  out?: string;
  cacheDir?: string;
  log?: (message: string) => void;
}

/** Whether a path is a training run directory (it holds a checkpoint). */
export function isRunDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(path.join(dir, CHECKPOINT_FILE));
}

/** Draws one run's learning curves and rasters before and after training from its checkpoint. */
export async function writeRunReport(runDir: string, options: RunReportOptions = {}): Promise<{ out: string; files: string[] }> {
  if (!isRunDirectory(runDir)) throw new Error(`${runDir}: not a training run directory (no ${CHECKPOINT_FILE}; spikegrad train --out writes one)`);
  const ckpt = readCheckpoint(path.join(runDir, CHECKPOINT_FILE));
  const out = options.out ?? path.join(runDir, 'report');
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, spec: TopLevelSpec, table: Record<string, unknown>[]) => {
    const svg = await toSvg(spec);
    const paths = [`${name}.svg`, `${name}.png`, `${name}.csv`].map((f) => path.join(out, f));
    writeFileAtomic(paths[0], svg);
    writeFileAtomic(paths[1], svgToPng(svg));
    writeFileAtomic(paths[2], toCsv(table));
    files.push(...paths);
  };

  if (ckpt.state.history.length > 0) {
    const curves = learningCurvesFigure(ckpt.state.history, `Learning curves of ${path.basename(path.resolve(runDir))}`, `${ckpt.config.dataset.name}, ${ckpt.state.history.length} of ${ckpt.config.epochs} epochs, seed ${ckpt.config.seed}`);
    await write('learning-curves', curves.spec, curves.table);
  }
  options.log?.(`loading ${ckpt.config.dataset.name} for the rasters`);
  const rasters = await runRastersFigure(ckpt, options.cacheDir);
  await write('rasters', rasters.spec, rasters.table);
  return { out, files };
}
