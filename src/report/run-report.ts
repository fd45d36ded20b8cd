/**
 * `spikegrad report RUN_DIR`: the figures of one training run, from its checkpoint alone (no sweep needed):
 * learning curves (training loss; training and validation accuracy; spikes per neuron per sample, one line per
 * hidden layer) and rasters of one test sample, input spikes and every hidden layer, before training (the
 * initial weights, rebuilt from the run's seed) and after (the weights the run kept). SVG, PNG and CSV each.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { TopLevelSpec } from 'vega-lite';

import { makeBatch } from '../data/batches.js';
import { loadDataset } from '../data/registry.js';
import { keptParameters, readCheckpoint } from '../io/checkpoint.js';
import { isAnalogBatch } from '../model/batch.js';
import { Network } from '../model/network.js';
import { CHECKPOINT_FILE } from '../train/run.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { toCsv } from './aggregate.js';
import { SCHEMA } from './figures/figure.js';
import { spikeRaster } from './figures/learning.js';
import { svgToPng, toSvg } from './render.js';

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

  const history = ckpt.state.history;
  if (history.length > 0) {
    const curves = history.flatMap((h) => [
      { epoch: h.epoch, panel: 'loss', series: 'training', value: h.train.loss },
      { epoch: h.epoch, panel: 'accuracy', series: 'training', value: h.train.accuracy },
      ...(h.valid ? [{ epoch: h.epoch, panel: 'accuracy', series: 'validation', value: h.valid.accuracy }] : []),
      ...h.train.spikesPerNeuron.map((v, l) => ({ epoch: h.epoch, panel: 'spikes', series: `layer ${l}`, value: v })),
    ]);
    const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
    const panel = (name: string, title: string, scale: Record<string, unknown>) => ({
      width: 240,
      height: 180,
      transform: [{ filter: `datum.panel === '${name}'` }],
      mark: 'line',
      encoding: { x, y: { field: 'value', type: 'quantitative', title, scale, axis: { format: '~g' } }, color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } } },
      resolve: { scale: { color: 'independent' } },
    });
    const spec = {
      $schema: SCHEMA,
      title: { text: `Learning curves of ${path.basename(path.resolve(runDir))}`, subtitle: `${ckpt.config.dataset.name}, ${history.length} of ${ckpt.config.epochs} epochs, seed ${ckpt.config.seed}` },
      data: { values: curves },
      hconcat: [panel('loss', 'training loss', { type: 'log' }), panel('accuracy', 'accuracy', { domain: [0, 1] }), panel('spikes', 'spikes per neuron per sample (training)', { zero: true })],
      resolve: { scale: { color: 'independent' } },
    } as unknown as TopLevelSpec;
    await write('learning-curves', spec, curves);
  }

  options.log?.(`loading ${ckpt.config.dataset.name} for the rasters`);
  const data = await loadDataset(ckpt.config.dataset, { cacheDir: options.cacheDir });
  const batch = makeBatch(data.splits.test, [0]);
  const net = new Network(ckpt.network, { threads: 1 });
  try {
    const rows: Record<string, unknown>[] = [];
    const inputs: Record<string, unknown>[] = [];
    if (!isAnalogBatch(batch)) {
      for (let e = batch.offsets[0]; e < batch.offsets[1]; e++) inputs.push({ trial: 'input', phase: 'input', step: batch.times[e], neuron: batch.units[e] });
    }
    let neurons = data.splits.test.inputs;
    const trained = keptParameters(ckpt);
    for (const phase of ['before training', 'after training']) {
      if (phase === 'after training') net.setParameters(trained);
      const drawn = await spikeRaster(net, batch, 'hidden', phase);
      rows.push(...drawn.rows, ...drawn.placeholders);
      neurons = Math.max(neurons, drawn.neurons);
    }
    const label = data.splits.test.labels[0];
    const spec = {
      $schema: SCHEMA,
      title: { text: 'Spikes of one test sample', subtitle: `class ${label}; input, and every hidden layer before training (initial weights from seed ${ckpt.config.seed}) and after` },
      vconcat: [
        {
          data: { values: inputs.length > 0 ? inputs : [{ step: -1, neuron: -1 }] },
          width: 500,
          height: 100,
          title: 'input spikes',
          mark: { type: 'square', size: 6, color: '#7a3b00', clip: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'time step', scale: { domain: [0, batch.steps] } },
            y: { field: 'neuron', type: 'quantitative', title: 'input unit', scale: { domain: [0, data.splits.test.inputs] } },
          },
        },
        {
          data: { values: rows },
          mark: { type: 'square', size: 6, color: '#1f4e79', clip: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'time step', scale: { domain: [0, batch.steps] } },
            y: { field: 'neuron', type: 'quantitative', title: 'neuron', scale: { domain: [0, neurons] } },
            column: { field: 'phase', type: 'nominal', title: null, sort: ['before training', 'after training'] },
            row: { field: 'trial', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } },
          },
          width: 240,
          height: 120,
        },
      ],
    } as unknown as TopLevelSpec;
    await write('rasters', spec, [...inputs, ...rows]);
  } finally {
    await net.dispose();
  }
  return { out, files };
}
