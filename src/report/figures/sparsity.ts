/**
 * Figure 5: test accuracy against activity (mean spikes per hidden neuron per sample, on the test set) while an
 * upper-bound activity regularizer gets stronger; one panel per data set, one line and marker per form of the
 * regularizer (per-neuron or population bound, L1 or L2).
 */
import type { TopLevelSpec } from 'vega-lite';

import type { TrialRow } from '../../sweep/store.js';
import { groupBy, stats } from '../aggregate.js';
import { chanceLayer, classesOf, type FigureRecipe, SCHEMA, trialsSubtitle } from './figure.js';

/** Strength of the upper-bound regularizer(s) of a trial; 0 without one. */
export function upperStrength(r: TrialRow): number {
  return r.config.regularizers.filter((g) => g.kind === 'upper' || g.kind === 'population-upper').reduce((s, g) => s + g.strength, 0);
}

/** The form of a trial's upper-bound regularizer, e.g. 'population L1'; 'none' without one. */
export function upperForm(r: TrialRow): string {
  const upper = r.config.regularizers.find((g) => g.kind === 'upper' || g.kind === 'population-upper');
  if (upper === undefined) return 'none';
  return `${upper.kind === 'population-upper' ? 'population' : 'per-neuron'} L${upper.power}`;
}

export const sparsity: FigureRecipe = {
  name: 'sparsity',
  description: 'test accuracy against spikes per neuron per sample under increasing upper-bound regularization',
  build(rows) {
    const points = rows
      .filter((r) => r.testAccuracy !== null && r.spikesPerNeuron !== null)
      .map((r) => ({ dataset: r.config.dataset.name, form: upperForm(r), strength: upperStrength(r), spikes: Math.max(r.spikesPerNeuron!, 1e-4), accuracy: r.testAccuracy, seed: r.config.seed }));
    if (points.length === 0) return null;
    const table = groupBy(rows, (r) => ({ dataset: r.config.dataset.name, form: upperForm(r), strength: upperStrength(r) })).map((g) => {
      const a = stats(g.rows, (r) => r.testAccuracy);
      const s = stats(g.rows, (r) => r.spikesPerNeuron);
      return { dataset: g.key.dataset, regularizer: g.key.form, upperStrength: g.key.strength, seeds: a.n, spikesPerNeuronMean: s.mean, testAccuracyMean: a.mean, testAccuracySd: a.sd };
    });
    const forms = [...new Set(points.map((p) => p.form))].sort();
    const strengths = [...new Set(points.map((p) => p.strength))].sort((a, b) => a - b);
    const x = { field: 'spikes', type: 'quantitative', title: 'spikes per hidden neuron per sample (test)', scale: { type: 'log' }, axis: { labelAngle: 0 } };
    const y = { field: 'accuracy', type: 'quantitative', title: 'test accuracy', scale: { domain: [0, 1], nice: false } };
    const classes = classesOf(rows);
    const spec = {
      $schema: SCHEMA,
      // Two subtitle lines: one long line would make the figure several panels wide.
      title: {
        text: 'Accuracy against activity under an upper-bound activity regularizer',
        subtitle: [
          `colour: regularizer strength${forms.length > 1 ? '; marker: regularizer form, its means joined by a solid (first) or dashed line' : '; line through the means'}`,
          `${classes > 0 ? `dotted: chance (1/${classes}); ` : ''}${trialsSubtitle(rows.filter((r) => r.testAccuracy !== null))}`,
        ],
      },
      data: { values: points },
      facet: { column: { field: 'dataset', type: 'nominal', title: null } },
      spec: {
        width: 260,
        height: 220,
        layer: [
          {
            transform: [{ aggregate: [{ op: 'mean', field: 'spikes', as: 'spikes' }, { op: 'mean', field: 'accuracy', as: 'accuracy' }], groupby: ['form', 'strength'] }],
            mark: { type: 'line', color: '#888' },
            encoding: {
              x,
              y,
              order: { field: 'strength', type: 'quantitative' },
              strokeDash: { field: 'form', type: 'nominal', sort: forms, legend: null },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
            encoding: {
              x,
              y,
              color: { field: 'strength', type: 'ordinal', title: 'upper-bound strength', sort: strengths, scale: { scheme: 'viridis' } },
              shape: { field: 'form', type: 'nominal', sort: forms, title: 'regularizer', legend: forms.length > 1 ? {} : null },
            },
          },
          ...chanceLayer(classes),
        ],
      },
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};
