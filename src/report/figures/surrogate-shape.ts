/**
 * Figures 1 and 2 of the study: test accuracy over surrogate scale x learning rate, one heat map per surrogate
 * shape plus the constant surrogate (scale 0); and the best accuracy each shape reaches (mean +- s.d. over seeds,
 * the cell chosen by mean validation accuracy).
 */
import type { TopLevelSpec } from 'vega-lite';

import type { TrialRow } from '../../sweep/store.js';
import { bestCells, groupBy, stats, surrogateLabel } from '../aggregate.js';
import { type FigureRecipe, SCHEMA } from './figure.js';

const testAccuracy = (r: TrialRow) => r.testAccuracy;

export const shapeScaleHeatmap: FigureRecipe = {
  name: 'shape-scale',
  description: 'test accuracy over surrogate scale x learning rate, one panel per surrogate shape',
  build(rows) {
    const groups = groupBy(rows, (r) => ({ surrogate: surrogateLabel(r), scale: r.config.network.surrogate.scale, lr: r.config.lr }));
    if (groups.length === 0) return null;
    const table = groups.map((g) => {
      const s = stats(g.rows, testAccuracy);
      return { surrogate: g.key.surrogate, scale: g.key.scale, lr: g.key.lr, seeds: s.n, testAccuracyMean: s.mean, testAccuracySd: s.sd };
    });
    const seeds = table.map((t) => t.seeds);
    const epochs = [...new Set(rows.map((r) => r.config.epochs))].sort((a, b) => a - b);
    const seedText = Math.min(...seeds) === Math.max(...seeds) ? `${seeds[0]} seed${seeds[0] > 1 ? 's' : ''} per cell` : `${Math.min(...seeds)}-${Math.max(...seeds)} seeds per cell`;
    const spec = {
      $schema: SCHEMA,
      title: {
        text: 'Test accuracy over surrogate scale and learning rate',
        subtitle: `mean${Math.max(...seeds) > 1 ? ' ± s.d.' : ''} over ${seedText}; ${epochs.join('/')} epochs; ${rows.length} trials`,
      },
      transform: [
        { calculate: "format(datum.testAccuracyMean, '.2f') + (datum.seeds > 1 ? '\\n±' + format(datum.testAccuracySd, '.2f') : '')", as: 'label' },
      ],
      data: { values: table },
      facet: { column: { field: 'surrogate', type: 'nominal', title: null, sort: ['superspike', 'sigmoid', 'esser'] } },
      spec: {
        width: { step: 44 },
        height: { step: Math.max(...seeds) > 1 ? 38 : 30 },
        layer: [
          {
            mark: 'rect',
            encoding: {
              x: { field: 'scale', type: 'ordinal', title: 'surrogate scale beta', axis: { labelAngle: 0 } },
              y: { field: 'lr', type: 'ordinal', title: 'learning rate', sort: 'descending' },
              color: { field: 'testAccuracyMean', type: 'quantitative', title: 'test accuracy', scale: { scheme: 'viridis', domain: [0, 1] } },
            },
          },
          {
            mark: { type: 'text', fontSize: 10, lineBreak: '\n' },
            encoding: {
              x: { field: 'scale', type: 'ordinal' },
              y: { field: 'lr', type: 'ordinal', sort: 'descending' },
              text: { field: 'label', type: 'nominal' },
              color: { condition: { test: 'datum.testAccuracyMean > 0.6', value: 'black' }, value: 'white' },
            },
          },
        ],
      },
      resolve: { scale: { x: 'independent' } },
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};

export const bestPerShape: FigureRecipe = {
  name: 'shape-best',
  description: 'best accuracy per surrogate shape (mean +- s.d. over seeds)',
  build(rows) {
    const table: Record<string, unknown>[] = [];
    const points: Record<string, unknown>[] = [];
    for (const best of bestCells(rows, surrogateLabel, (r) => ({ scale: r.config.network.surrogate.scale, lr: r.config.lr }))) {
      const s = stats(best.rows, testAccuracy);
      table.push({ surrogate: best.group, scale: best.cell.scale, lr: best.cell.lr, seeds: s.n, validAccuracyMean: stats(best.rows, (r) => r.validAccuracy).mean, testAccuracyMean: s.mean, testAccuracySd: s.sd });
      for (const r of best.rows) points.push({ surrogate: best.group, seed: r.config.seed, testAccuracy: r.testAccuracy });
    }
    if (table.length === 0) return null;
    const x = { field: 'surrogate', type: 'nominal', title: null, sort: table.map((t) => t.surrogate), axis: { labelAngle: 0 } };
    const classes = rows[0].config.dataset.classes;
    const chance = typeof classes === 'number' ? 1 / classes : 0.1;
    // Every layer names the y axis alike, or vega-lite joins the layers' titles ("test accuracy, testAccuracy").
    const y = { field: 'testAccuracy', type: 'quantitative', title: 'test accuracy' };
    const spec = {
      $schema: SCHEMA,
      // Short subtitle lines (the renderer overestimates text width, and the figure takes its longest title line's
      // width) and a step wide enough for horizontal labels such as "zero (true gradient)".
      title: {
        text: 'Best test accuracy per surrogate shape',
        subtitle: ['best scale and learning rate by validation accuracy', `bar: mean, line: ±1 s.d., dots: seeds; dashed: chance (${(chance * 100).toFixed(0)} %)`],
      },
      width: 110 * table.length,
      height: 220,
      data: { values: points },
      layer: [
        { mark: { type: 'bar', color: '#9ecae1' }, encoding: { x, y: { ...y, aggregate: 'mean', scale: { domain: [0, 1] } } } },
        { mark: { type: 'errorbar', extent: 'stdev', color: 'black' }, encoding: { x, y } },
        { mark: { type: 'point', filled: true, color: '#08519c', size: 30 }, encoding: { x, y } },
        { data: { values: [{ chance }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#a50f15' }, encoding: { y: { field: 'chance', type: 'quantitative' } } },
      ],
    } as unknown as TopLevelSpec;
    return { spec, table };
  },
};
