/** A line per group through the mean over seeds, with +-1 s.d. bars and the seeds as dots, optionally faceted. */
import type { TopLevelSpec } from 'vega-lite';

import type { TrialRow } from '../../sweep/store.js';
import { groupBy, stats } from '../aggregate.js';
import { chanceLayer, classesOf, SCHEMA } from './figure.js';

export interface MeanLinesOptions {
  title: string;
  /** One line, or several (a long subtitle on one line would make the figure as wide as the line). */
  subtitle?: string | string[];
  x: { of: (r: TrialRow) => number | string; title: string; type: 'ordinal' | 'quantitative'; log?: boolean };
  color: { of: (r: TrialRow) => string; title: string };
  column?: { of: (r: TrialRow) => string; title: string | null };
  y?: { of: (r: TrialRow) => number | null; title: string };
  /** A column of the table naming what else the rows of a point share (e.g. the grid cell chosen for it). */
  detail?: { of: (r: TrialRow) => string; title: string };
  /** A short text drawn above each point's mean (e.g. the grid cell chosen for it). */
  label?: (r: TrialRow) => string;
}

export function meanLines(rows: TrialRow[], o: MeanLinesOptions): { spec: TopLevelSpec; table: Record<string, unknown>[] } | null {
  const yOf = o.y?.of ?? ((r: TrialRow) => r.testAccuracy);
  const points = rows
    .filter((r) => yOf(r) !== null)
    .map((r) => ({ x: o.x.of(r), group: o.color.of(r), panel: o.column?.of(r) ?? '', seed: r.config.seed, y: yOf(r), label: o.label?.(r) ?? '' }));
  if (points.length === 0) return null;
  const table = groupBy(rows, (r) => ({ panel: o.column?.of(r) ?? '', group: o.color.of(r), x: o.x.of(r) })).map((g) => {
    const s = stats(g.rows, yOf);
    const detail = o.detail ? { [o.detail.title]: [...new Set(g.rows.map(o.detail.of))].join(' | ') } : {};
    return { [o.column?.title ?? 'panel']: g.key.panel, [o.color.title]: g.key.group, [o.x.title]: g.key.x, ...detail, seeds: s.n, mean: s.mean, sd: s.sd };
  });
  const x = { field: 'x', type: o.x.type, title: o.x.title, axis: { labelAngle: 0 }, ...(o.x.log ? { scale: { type: 'log' } } : {}) };
  const color = { field: 'group', type: 'nominal', title: o.color.title };
  const y = { field: 'y', type: 'quantitative', title: o.y?.title ?? 'test accuracy' };
  const classes = o.y === undefined ? classesOf(rows) : 0;
  const inner = {
    width: 220,
    height: 200,
    layer: [
      { mark: { type: 'line', point: false }, encoding: { x, color, y: { ...y, aggregate: 'mean' } } },
      { mark: { type: 'errorbar', extent: 'stdev' }, encoding: { x, color, y } },
      { mark: { type: 'point', filled: true, size: 18, opacity: 0.6 }, encoding: { x, color, y } },
      ...(o.label ? [{ mark: { type: 'text', dy: -9, fontSize: 8 }, encoding: { x, color, y: { ...y, aggregate: 'mean' }, text: { field: 'label', type: 'nominal' } } }] : []),
      // Accuracy plots get the chance line (its y scale then starts at 0 as well).
      ...chanceLayer(classes),
    ],
  };
  const lines = o.subtitle === undefined ? [] : Array.isArray(o.subtitle) ? [...o.subtitle] : [o.subtitle];
  // The chance note joins the last line while that stays short: the renderer estimates text width without a
  // font and overestimates it, and the figure takes the width of its longest estimated title line.
  if (classes > 0) {
    const chance = `dotted: chance (1/${classes})`;
    const last = lines.at(-1);
    if (last !== undefined && last.length + chance.length + 2 <= 70) lines[lines.length - 1] = `${last}; ${chance}`;
    else lines.push(chance);
  }
  const title = { text: o.title, ...(lines.length > 0 ? { subtitle: lines.length === 1 ? lines[0] : lines } : {}) };
  const spec = (
    o.column
      ? { $schema: SCHEMA, title, data: { values: points }, facet: { column: { field: 'panel', type: 'nominal', title: o.column.title } }, spec: inner }
      : { $schema: SCHEMA, title, data: { values: points }, ...inner }
  ) as unknown as TopLevelSpec;
  return { spec, table };
}
