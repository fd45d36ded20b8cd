/**
 * Figure 6: learning curves (training loss, training and validation accuracy per epoch, chance marked) of the chosen
 * trials, and spike rasters of one test sample: its input, the hidden layers before training (the initial weights,
 * rebuilt from the seed, drawn once per initial network) and after (each trial's stored final weights).
 */
import type { TopLevelSpec } from 'vega-lite';

import { makeBatch } from '../../data/batches.js';
import { loadDataset } from '../../data/registry.js';
import { type Batch, isAnalogBatch } from '../../model/batch.js';
import { Network } from '../../model/network.js';
import type { TrialRow } from '../../sweep/store.js';
import { groupBy, surrogateLabel } from '../aggregate.js';
import { chanceLayer, classesOf, type FigureRecipe, overridesLabel, SCHEMA, trialsSubtitle } from './figure.js';

const MAX_CURVES = 12;
const MAX_RASTERS = 6;

export const learningCurves: FigureRecipe = {
  name: 'learning-curves',
  description: 'training loss, training accuracy and validation accuracy per epoch of the chosen trials',
  build(rows) {
    const chosen = rows.filter((r) => r.history.length > 0).slice(0, MAX_CURVES);
    if (chosen.length === 0) return null;
    const table = chosen.flatMap((r) =>
      r.history.map((h) => ({ trial: overridesLabel(r), surrogate: surrogateLabel(r), epoch: h.epoch, trainLoss: h.train.loss, trainAccuracy: h.train.accuracy, validAccuracy: h.valid?.accuracy ?? null })),
    );
    const classes = classesOf(chosen);
    // Curves that coincide (two trials at chance) stay visible: each trial has its own dash pattern.
    const color = { field: 'trial', type: 'nominal', title: 'trial', legend: { orient: 'bottom', columns: 1, labelLimit: 400, symbolStrokeWidth: 2 } };
    const dash = { field: 'trial', type: 'nominal', legend: null };
    const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd', labelAngle: 0 } };
    const line = { type: 'line', strokeWidth: 2 };
    const accuracy = (field: string, title: string) => ({
      width: 240,
      height: 200,
      layer: [
        { mark: line, encoding: { x, color, strokeDash: dash, y: { field, type: 'quantitative', title, scale: { domain: [0, 1] } } } },
        ...chanceLayer(classes),
      ],
    });
    const spec = {
      $schema: SCHEMA,
      title: { text: 'Learning curves', subtitle: `${trialsSubtitle(chosen)}${classes > 0 ? `; dotted grey line: chance (1/${classes})` : ''}` },
      data: { values: table },
      hconcat: [
        { width: 240, height: 200, mark: line, encoding: { x, color, strokeDash: dash, y: { field: 'trainLoss', type: 'quantitative', title: 'training loss', scale: { type: 'log' }, axis: { format: '~g' } } } },
        accuracy('trainAccuracy', 'training accuracy'),
        accuracy('validAccuracy', 'validation accuracy'),
      ],
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};

/**
 * The paper's learning-curve panel: training accuracy per epoch of every trial (thin) and the mean per surrogate
 * condition (thick), and the same for validation accuracy; for a spec that runs the best grid points of each
 * condition for many epochs.
 */
export const learningBySurrogate: FigureRecipe = {
  name: 'learning-by-surrogate',
  description: 'training and validation accuracy per epoch, every trial and the mean per surrogate condition',
  build(rows) {
    const chosen = rows.filter((r) => r.history.length > 0);
    if (chosen.length === 0) return null;
    const table = chosen.flatMap((r) =>
      r.history.map((h) => ({ trial: r.id, condition: surrogateLabel(r), epoch: h.epoch, trainAccuracy: h.train.accuracy, validAccuracy: h.valid?.accuracy ?? null })),
    );
    const classes = classesOf(chosen);
    const perCondition = groupBy(chosen, surrogateLabel).map((g) => `${g.key} ${g.rows.length}`);
    const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd', labelAngle: 0 } };
    const color = { field: 'condition', type: 'nominal', title: 'surrogate', legend: { orient: 'right', labelLimit: 400, symbolOpacity: 1, symbolStrokeWidth: 3 } };
    const panel = (field: string, title: string) => ({
      width: 360,
      height: 240,
      layer: [
        { mark: { type: 'line', strokeWidth: 0.7, opacity: 0.35 }, encoding: { x, color, detail: { field: 'trial', type: 'nominal' }, y: { field, type: 'quantitative', title, scale: { domain: [0, 1] } } } },
        { mark: { type: 'line', strokeWidth: 2.5 }, encoding: { x, color, y: { field, type: 'quantitative', aggregate: 'mean', title } } },
        ...chanceLayer(classes),
      ],
    });
    const spec = {
      $schema: SCHEMA,
      title: {
        text: 'Learning curves of the best grid points per surrogate',
        subtitle: [
          `${trialsSubtitle(chosen)}; thin: each run, thick: the mean per surrogate; dotted: chance`,
          `runs: ${perCondition.join(', ')}`,
        ],
      },
      data: { values: table },
      hconcat: [panel('trainAccuracy', 'training accuracy'), panel('validAccuracy', 'validation accuracy')],
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};

/** Hidden spikes of a batch's first sample as raster rows, and per layer a placeholder outside the plot (it keeps a silent layer's panel and spans the axis over the layer). */
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
    for (let n = 0; n < batch.steps; n++) {
      for (let i = 0; i < size; i++) if (s[n * size + i]) rows.push({ trial, phase, step: n, neuron: i });
    }
    // A point left of the clipped plot keeps the panel of a silent layer and spans its axis over the whole layer.
    placeholders.push({ trial, phase, step: -1, neuron: size - 1 });
  });
  return { rows, placeholders, neurons };
}

export const rasters: FigureRecipe = {
  name: 'rasters',
  description: 'input spikes of one test sample, and the hidden layers before and after training',
  async build(rows, context) {
    const chosen = rows.filter((r) => r.status === 'done' && r.network !== null).slice(0, MAX_RASTERS);
    if (chosen.length === 0) return null;
    const table: Record<string, unknown>[] = [];
    const placeholders: Record<string, unknown>[] = [];
    const panels: string[] = [];
    const drawnInputs = new Set<string>();
    const drawnBefore = new Set<string>();
    let steps = 0;
    for (const row of chosen) {
      const data = await loadDataset(row.config.dataset, { cacheDir: context.cacheDir });
      const batch = makeBatch(data.splits.test, [0]);
      steps = Math.max(steps, batch.steps);
      // The input once per data set.
      const dataKey = JSON.stringify(row.config.dataset);
      if (!drawnInputs.has(dataKey) && !isAnalogBatch(batch)) {
        drawnInputs.add(dataKey);
        const panel = `input: ${row.config.dataset.name} test sample 0`;
        panels.push(panel);
        for (let e = batch.offsets[0]; e < batch.offsets[1]; e++) table.push({ trial: panel, phase: 'input', step: batch.times[e], neuron: batch.units[e] });
        placeholders.push({ trial: panel, phase: 'input', step: -1, neuron: data.splits.test.inputs - 1 });
      }
      const net = new Network(row.network!, { threads: 1 });
      try {
        const shapes = net.parameterNames.map((name) => ({ name, size: net.parameters[name].length }));
        const weights = context.store.weights(row.id, shapes);
        if (!weights) continue;
        // Before training, once per initial network: the surrogate and the reset's gradient do not change the
        // forward pass, so trials that differ only in those start from the same spikes.
        const { surrogate: _s, reset: _r, ...initial } = row.network!;
        const initKey = `${dataKey}|${JSON.stringify(initial)}`;
        const add = (drawn: Awaited<ReturnType<typeof spikeRaster>>) => {
          for (const r of drawn.rows) {
            if (!panels.includes(r.trial as string)) panels.push(r.trial as string);
            table.push({ trial: r.trial, phase: r.phase, step: r.step, neuron: r.neuron });
          }
          for (const p of drawn.placeholders) {
            if (!panels.includes(p.trial as string)) panels.push(p.trial as string);
            placeholders.push({ trial: p.trial, phase: p.phase, step: p.step, neuron: p.neuron });
          }
        };
        if (!drawnBefore.has(initKey)) {
          drawnBefore.add(initKey);
          add(await spikeRaster(net, batch, `before training (seed ${row.config.seed})`, 'before training'));
        }
        net.setParameters(weights);
        add(await spikeRaster(net, batch, `after training: ${overridesLabel(row)}`, 'after training'));
      } finally {
        await net.dispose();
      }
    }
    if (table.length + placeholders.length === 0) return null;
    const spec = {
      $schema: SCHEMA,
      title: {
        text: 'Spikes of one test sample: input, hidden layer before and after training',
        subtitle: 'initial weights rebuilt from the trial seed (shared by trials that differ only in the surrogate); final weights from the store',
      },
      data: { values: [...table, ...placeholders] },
      mark: { type: 'square', size: 6, color: '#1f4e79', clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'time step', scale: { domain: [0, steps] }, axis: { labelAngle: 0 } },
        y: { field: 'neuron', type: 'quantitative', title: 'unit', scale: { zero: true, nice: false } },
        row: { field: 'trial', type: 'nominal', title: null, sort: panels, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 400 } },
      },
      resolve: { scale: { y: 'independent' } },
      width: 420,
      height: 90,
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};
