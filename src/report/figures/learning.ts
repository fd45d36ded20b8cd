/**
 * Figure 6: learning curves (training loss, validation accuracy per epoch) of the chosen trials, and hidden-layer
 * spike rasters of one test sample before training (the trial's initial weights, rebuilt from its seed) and after
 * (its stored final weights).
 */
import type { TopLevelSpec } from 'vega-lite';

import { makeBatch } from '../../data/batches.js';
import { loadDataset } from '../../data/registry.js';
import type { Batch } from '../../model/batch.js';
import { Network } from '../../model/network.js';
import type { TrialRow } from '../../sweep/store.js';
import { surrogateLabel } from '../aggregate.js';
import { type FigureRecipe, overridesLabel, SCHEMA } from './figure.js';

const MAX_CURVES = 12;
const MAX_RASTERS = 6;

export const learningCurves: FigureRecipe = {
  name: 'learning-curves',
  description: 'training loss and validation accuracy per epoch of the chosen trials',
  build(rows) {
    const chosen = rows.filter((r) => r.history.length > 0).slice(0, MAX_CURVES);
    if (chosen.length === 0) return null;
    const table = chosen.flatMap((r) =>
      r.history.map((h) => ({ trial: overridesLabel(r), surrogate: surrogateLabel(r), epoch: h.epoch, trainLoss: h.train.loss, trainAccuracy: h.train.accuracy, validAccuracy: h.valid?.accuracy ?? null })),
    );
    const color = { field: 'trial', type: 'nominal', title: 'trial', legend: { orient: 'bottom', columns: 1, labelLimit: 400 } };
    const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
    const spec = {
      $schema: SCHEMA,
      title: { text: 'Learning curves', subtitle: `${chosen.length} trials` },
      data: { values: table },
      hconcat: [
        { width: 260, height: 200, mark: 'line', encoding: { x, color, y: { field: 'trainLoss', type: 'quantitative', title: 'training loss', scale: { type: 'log' } } } },
        { width: 260, height: 200, mark: 'line', encoding: { x, color, y: { field: 'validAccuracy', type: 'quantitative', title: 'validation accuracy', scale: { domain: [0, 1] } } } },
      ],
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};

/** Hidden spikes of a batch's first sample as raster rows; a silent layer gets a placeholder (an empty panel). */
export async function spikeRaster(
  net: Network,
  batch: Batch,
  label: string,
  phase: string,
): Promise<{ rows: Record<string, unknown>[]; placeholders: Record<string, unknown>[]; neurons: number }> {
  const out = await net.forward(batch, { record: ['spikes'] });
  const rows: Record<string, unknown>[] = [];
  const placeholders: Record<string, unknown>[] = [];
  let neurons = 1;
  out.recordedLayers.forEach((layer, k) => {
    const size = net.config.layers[layer].size;
    neurons = Math.max(neurons, size);
    const trial = `${label} · layer ${layer}`;
    const s = out.spikes![k];
    const before = rows.length;
    for (let n = 0; n < batch.steps; n++) {
      for (let i = 0; i < size; i++) if (s[n * size + i]) rows.push({ trial, phase, step: n, neuron: i });
    }
    // A point outside the clipped plot keeps the panel of a silent layer.
    if (rows.length === before) placeholders.push({ trial, phase, step: -1, neuron: -1 });
  });
  return { rows, placeholders, neurons };
}

export const rasters: FigureRecipe = {
  name: 'rasters',
  description: 'hidden-layer spike rasters of one test sample before and after training',
  async build(rows, context) {
    const chosen = rows.filter((r) => r.status === 'done' && r.network !== null).slice(0, MAX_RASTERS);
    if (chosen.length === 0) return null;
    const table: Record<string, unknown>[] = [];
    let steps = 0;
    let neurons = 1;
    const placeholders: Record<string, unknown>[] = [];
    for (const row of chosen) {
      const data = await loadDataset(row.config.dataset, { cacheDir: context.cacheDir });
      const test = data.splits.test;
      const batch = makeBatch(test, [0]);
      steps = Math.max(steps, batch.steps);
      const net = new Network(row.network!, { threads: 1 });
      try {
        const shapes = net.parameterNames.map((name) => ({ name, size: net.parameters[name].length }));
        const weights = context.store.weights(row.id, shapes);
        if (!weights) continue;
        for (const phase of ['before training', 'after training']) {
          if (phase === 'after training') net.setParameters(weights);
          const drawn = await spikeRaster(net, batch, overridesLabel(row), phase);
          table.push(...drawn.rows);
          placeholders.push(...drawn.placeholders);
          neurons = Math.max(neurons, drawn.neurons);
        }
      } finally {
        await net.dispose();
      }
    }
    if (table.length + placeholders.length === 0) return null;
    const spec = {
      $schema: SCHEMA,
      title: { text: 'Hidden spikes of one test sample before and after training', subtitle: 'initial weights rebuilt from the trial seed; final weights from the store' },
      data: { values: [...table, ...placeholders] },
      mark: { type: 'square', size: 6, color: '#1f4e79', clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'time step', scale: { domain: [0, steps] } },
        y: { field: 'neuron', type: 'quantitative', title: 'neuron', scale: { domain: [0, neurons] } },
        column: { field: 'phase', type: 'nominal', title: null, sort: ['before training', 'after training'] },
        row: { field: 'trial', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 300 } },
      },
      width: 240,
      height: 120,
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};
