/** What a figure recipe is: a name the sweep specs refer to, and a builder from trials to a chart and its numbers. */
import type { TopLevelSpec } from 'vega-lite';

import type { ResultStore, TrialRow } from '../../sweep/store.js';

export interface FigureContext {
  store: ResultStore;
  cacheDir?: string;
}

export interface BuiltFigure {
  spec: TopLevelSpec;
  /** The numbers the figure shows, written beside it as CSV. */
  table: Record<string, unknown>[];
}

export interface FigureRecipe {
  /** Referred to by a sweep spec's `figures` list; also the output file name. */
  name: string;
  description: string;
  /** null when the trials hold nothing this figure can show. */
  build(rows: TrialRow[], context: FigureContext): Promise<BuiltFigure | null> | BuiltFigure | null;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Swept fields of a trial as a short label, e.g. "shape=sigmoid scale=10". */
export function overridesLabel(row: TrialRow): string {
  const parts = Object.entries(row.overrides).map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.join(' ') || row.id;
}

/** Classes of the trials' networks (0 when no trial has a network), for a chance line at 1 / classes. */
export function classesOf(rows: TrialRow[]): number {
  return Math.max(0, ...rows.map((r) => r.network?.outputs ?? 0));
}

/**
 * A dotted grey rule at chance accuracy (1 / classes) as a layer list: empty when the classes are unknown. The layer
 * has its own one-row data: inheriting the chart's would draw one identical rule per row (thousands in a learning
 * figure, megabytes of SVG).
 */
export function chanceLayer(classes: number): Record<string, unknown>[] {
  return classes > 0
    ? [{ data: { values: [{}] }, mark: { type: 'rule', color: '#777', strokeDash: [2, 2] }, encoding: { y: { datum: 1 / classes, type: 'quantitative' } } }]
    : [];
}

/** "24 trials, 20 epochs, seeds 1, 2" (an epoch range where trials differ), for figure subtitles. */
export function trialsSubtitle(rows: TrialRow[]): string {
  const epochs = [...new Set(rows.map((r) => r.history.length))].sort((a, b) => a - b);
  const seeds = [...new Set(rows.map((r) => r.config.seed))].sort((a, b) => a - b);
  const span = epochs.length === 1 ? `${epochs[0]}` : `${epochs[0]}-${epochs[epochs.length - 1]}`;
  return `${rows.length} trials, ${span} epochs, seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}`;
}
