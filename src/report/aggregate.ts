/** Grouping of trials for figures: config fields by path, mean and standard deviation over seeds, CSV text. */
import type { TrialRow } from '../sweep/store.js';

/** A value in a trial's config by dotted path with [i] for array items, e.g. network.surrogate.scale. */
export function field(row: TrialRow, fieldPath: string): unknown {
  let node: unknown = row.config;
  for (const part of fieldPath.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (0 for a single value). */
export function sd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

export interface Group<K> {
  key: K;
  rows: TrialRow[];
}

/** Groups rows by a key (compared by its JSON), in order of first appearance. */
export function groupBy<K>(rows: TrialRow[], keyOf: (row: TrialRow) => K): Group<K>[] {
  const groups = new Map<string, Group<K>>();
  for (const row of rows) {
    const key = keyOf(row);
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g) {
      g = { key, rows: [] };
      groups.set(id, g);
    }
    g.rows.push(row);
  }
  return [...groups.values()];
}

/** Mean, s.d. and count of a metric over a group's rows (rows without the metric are left out). */
export function stats(rows: TrialRow[], metric: (row: TrialRow) => number | null): { mean: number; sd: number; n: number } {
  const xs = rows.map(metric).filter((x): x is number => x !== null && Number.isFinite(x));
  return xs.length === 0 ? { mean: Number.NaN, sd: Number.NaN, n: 0 } : { mean: mean(xs), sd: sd(xs), n: xs.length };
}

/**
 * For each group of rows (e.g. one surrogate shape, or one condition at one depth), the cell (e.g. one scale and
 * learning rate) with the highest mean validation accuracy; groups without a finite one are left out. Cells are
 * compared on the seeds they all have: in a two-stage sweep (a grid at one seed, then more seeds at the best
 * cell) the extra seeds would otherwise let a single-seed cell overtake the cell they were run for. `valid` is
 * that comparison's mean; `rows` are all the chosen cell's rows.
 */
export function bestCells<G, C>(rows: TrialRow[], groupOf: (row: TrialRow) => G, cellOf: (row: TrialRow) => C): { group: G; cell: C; rows: TrialRow[]; valid: number }[] {
  const best: { group: G; cell: C; rows: TrialRow[]; valid: number }[] = [];
  for (const g of groupBy(rows, groupOf)) {
    const cells = groupBy(g.rows, cellOf);
    const seedSets = cells.map((c) => new Set(c.rows.map((r) => r.config.seed)));
    const shared = [...seedSets[0]].filter((seed) => seedSets.every((s) => s.has(seed)));
    const compared = (r: TrialRow) => shared.length === 0 || shared.includes(r.config.seed);
    const top = cells
      .map((c) => ({ group: g.key, cell: c.key, rows: c.rows, valid: stats(c.rows.filter(compared), (r) => r.validAccuracy).mean }))
      .filter((c) => Number.isFinite(c.valid))
      .sort((a, b) => b.valid - a.valid)[0];
    if (top) best.push(top);
  }
  return best;
}

/** RFC 4180 CSV: a header from the first row's keys, quotes where needed. */
export function toCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : '') : typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`;
}

/** Surrogate label as the paper names it: the shape, or "constant" for scale 0. */
export function surrogateLabel(row: TrialRow): string {
  const s = row.config.network.surrogate;
  if (s.shape === 'zero') return 'zero (true gradient)';
  return s.scale === 0 ? 'constant (scale 0)' : s.shape;
}
