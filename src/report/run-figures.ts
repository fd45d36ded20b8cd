/**
 * The figures of one training run, shared by `spikegrad report RUN_DIR` and the dashboard: learning curves from an
 * epoch history, and rasters of one test sample before and after training from a checkpoint.
 */
import type { TopLevelSpec } from 'vega-lite';

import { makeBatch } from '../data/batches.js';
import { loadDataset } from '../data/registry.js';
import { type Checkpoint, keptParameters } from '../io/checkpoint.js';
import { isAnalogBatch } from '../model/batch.js';
import { Network } from '../model/network.js';
import type { EpochRecord } from '../train/trainer.js';
import type { BuiltFigure } from './figures/figure.js';
import { SCHEMA } from './figures/figure.js';
import { spikeRaster } from './figures/learning.js';

/** Training loss; training and validation accuracy; spikes per neuron per sample per hidden layer, over epochs. */
export function learningCurvesFigure(history: readonly EpochRecord[], title: string, subtitle: string): BuiltFigure {
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
    title: { text: title, subtitle },
    data: { values: curves },
    hconcat: [panel('loss', 'training loss', { type: 'log' }), panel('accuracy', 'accuracy', { domain: [0, 1] }), panel('spikes', 'spikes per neuron per sample (training)', { zero: true })],
    resolve: { scale: { color: 'independent' } },
  } as unknown as TopLevelSpec;
  return { spec, table: curves };
}

/** Spikes of the first test sample: input, and every hidden layer before training (seeded init) and after. */
export async function runRastersFigure(ckpt: Checkpoint, cacheDir?: string): Promise<BuiltFigure> {
  const data = await loadDataset(ckpt.config.dataset, { cacheDir });
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
    return { spec, table: [...inputs, ...rows] };
  } finally {
    await net.dispose();
  }
}
