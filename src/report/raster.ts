/** Spike rasters of a few samples per class of a data set (`spikegrad data --raster`). */
import type { TopLevelSpec } from 'vega-lite';

import type { EventDataset } from '../data/dataset.js';

export interface RasterOptions {
  samplesPerClass?: number;
  /** Show at most this many classes (the first ones). */
  maxClasses?: number;
  title?: string;
}

/** The first `samplesPerClass` samples of each class, in data-set order. */
export function pickSamplesPerClass(data: EventDataset, samplesPerClass: number, maxClasses: number): number[][] {
  const picked: number[][] = Array.from({ length: Math.min(data.classes, maxClasses) }, () => []);
  for (let i = 0; i < data.size; i++) {
    const c = data.labels[i];
    if (c < picked.length && picked[c].length < samplesPerClass) picked[c].push(i);
  }
  return picked;
}

export function rasterSpec(data: EventDataset, options: RasterOptions = {}): TopLevelSpec {
  const perClass = options.samplesPerClass ?? 2;
  const picked = pickSamplesPerClass(data, perClass, options.maxClasses ?? 10);
  const values: { cls: string; sample: number; step: number; unit: number }[] = [];
  picked.forEach((indices, c) => {
    const cls = data.classNames?.[c] ? `${c}: ${data.classNames[c]}` : `class ${c}`;
    indices.forEach((i, k) => {
      const s = data.get(i);
      for (let e = 0; e < s.times.length; e++) values.push({ cls, sample: k + 1, step: s.times[e], unit: s.units[e] });
    });
  });
  const panelHeight = Math.min(160, Math.max(60, data.inputs / 4));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? `${data.name}: spike rasters, ${perClass} sample${perClass > 1 ? 's' : ''} per class`,
    data: { values },
    mark: { type: 'square', size: data.inputs > 200 ? 2 : 6, opacity: 0.9 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'time step', scale: { domain: [0, data.steps] } },
      y: { field: 'unit', type: 'quantitative', title: 'input unit', scale: { domain: [0, data.inputs] } },
      row: { field: 'cls', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } },
      column: { field: 'sample', type: 'ordinal', title: 'sample' },
      color: { value: '#1f4e79' },
    },
    width: 180,
    height: panelHeight,
    resolve: { scale: { x: 'shared', y: 'shared' } },
  } as TopLevelSpec;
}
