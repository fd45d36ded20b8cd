/**
 * `spikegrad report <store> --out dir`: every figure a sweep in the store asks for (its spec's `figures`), drawn
 * from the done trials of all sweeps that ask for it, as <figure>.svg, <figure>.png and <figure>.csv; plus
 * trials.csv with one line per trial of the store.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ResultStore, type TrialRow } from '../sweep/store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ConfigError } from '../util/errors.js';
import { toCsv } from './aggregate.js';
import { recurrence, resetDepth } from './figures/depth.js';
import type { FigureRecipe } from './figures/figure.js';
import { learningBySurrogate, learningCurves, rasters } from './figures/learning.js';
import { sparsity } from './figures/sparsity.js';
import { bestPerShape, shapeScaleHeatmap } from './figures/surrogate-shape.js';
import { svgToPng, toSvg } from './render.js';

/** The figure recipes a sweep spec may ask for. */
export const FIGURES: readonly FigureRecipe[] = [shapeScaleHeatmap, bestPerShape, resetDepth, recurrence, sparsity, learningCurves, learningBySurrogate, rasters];

/** Options of `writeReport`: output directory, a subset of figures, cache directory, log. */
export interface ReportOptions {
  out: string;
  /** Only these figures (names); default every figure some sweep asks for. */
  figures?: string[];
  cacheDir?: string;
  log?: (message: string) => void;
}

/** What `writeReport` wrote and skipped, and the failed trials. */
export interface ReportSummary {
  figures: { name: string; trials: number; files: string[] }[];
  skipped: { name: string; reason: string }[];
  trials: number;
  failed: TrialRow[];
}

/** Draws every figure the sweeps of a store ask for (SVG, PNG, CSV) and trials.csv. */
export async function writeReport(storeFile: string, options: ReportOptions): Promise<ReportSummary> {
  const known = new Map(FIGURES.map((f) => [f.name, f]));
  const unknown = (options.figures ?? []).filter((f) => !known.has(f));
  if (unknown.length > 0) {
    throw new ConfigError('report options', [{ path: 'figures', message: `unknown figure ${unknown.map((f) => `"${f}"`).join(', ')}; expected any of ${[...known.keys()].join(', ')}` }]);
  }
  const store = new ResultStore(storeFile, { readonly: true });
  try {
    mkdirSync(options.out, { recursive: true });
    const all = store.trials();
    refuseForeignTable(path.join(options.out, 'trials.csv'), new Set(store.sweeps().map((w) => w.name)));
    const summary: ReportSummary = { figures: [], skipped: [], trials: all.length, failed: all.filter((t) => t.status === 'failed') };
    writeFileAtomic(
      path.join(options.out, 'trials.csv'),
      toCsv(
        all.map((t) => ({
          sweep: t.sweep,
          id: t.id,
          status: t.status,
          overrides: t.overrides,
          seed: t.config.seed,
          testAccuracy: t.testAccuracy,
          validAccuracy: t.validAccuracy,
          trainAccuracy: t.trainAccuracy,
          spikesPerNeuron: t.spikesPerNeuron,
          // Per hidden layer (test split), so a deep network's silent or saturated layer shows in the table.
          spikesPerNeuronByLayer: t.results?.test.spikesPerNeuron.map((x) => Number(x.toPrecision(4))).join(' ') ?? null,
          silentFractionByLayer: t.results?.test.silentFraction.map((x) => Number(x.toPrecision(3))).join(' ') ?? null,
          epochs: t.history.length,
          wallSeconds: t.wallSeconds,
          attempts: t.attempts,
          worker: t.worker,
          error: t.error,
        })),
      ),
    );
    // Which sweeps feed which figure.
    const sources = new Map<string, string[]>();
    for (const { name, spec } of store.sweeps()) for (const f of spec.figures ?? []) sources.set(f, [...(sources.get(f) ?? []), name]);
    for (const [f, sweeps] of sources) {
      if (!known.has(f)) summary.skipped.push({ name: f, reason: `sweeps ${sweeps.join(', ')} ask for it, but no such figure exists (known: ${[...known.keys()].join(', ')})` });
    }
    const wanted = options.figures ?? FIGURES.map((f) => f.name).filter((n) => sources.has(n));
    for (const name of wanted) {
      const recipe = known.get(name)!;
      const sweeps = sources.get(name) ?? [];
      const rows = all.filter((t) => sweeps.includes(t.sweep) && t.status === 'done');
      if (rows.length === 0) {
        summary.skipped.push({ name, reason: sweeps.length === 0 ? 'no sweep in the store asks for it' : `no finished trials yet in ${sweeps.join(', ')}` });
        continue;
      }
      options.log?.(`${name}: ${rows.length} trials from ${sweeps.join(', ')}`);
      const built = await recipe.build(rows, { store, cacheDir: options.cacheDir });
      if (!built) {
        summary.skipped.push({ name, reason: 'the trials hold nothing this figure shows' });
        continue;
      }
      const svg = await toSvg(built.spec);
      const files = [`${name}.svg`, `${name}.png`, `${name}.csv`].map((f) => path.join(options.out, f));
      writeFileAtomic(files[0], svg);
      writeFileAtomic(files[1], svgToPng(svg));
      writeFileAtomic(files[2], toCsv(built.table));
      summary.figures.push({ name, trials: rows.length, files });
    }
    return summary;
  } finally {
    store.close();
  }
}

/**
 * A trials.csv left in the output directory by the report of another store (sweeps this store does not have) is a
 * result of its own: refuse to replace it rather than lose it.
 */
function refuseForeignTable(file: string, sweeps: Set<string>): void {
  if (!existsSync(file)) return;
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n');
  if (!header.startsWith('sweep,')) return;
  const foreign = [...new Set(lines.map((l) => l.slice(0, l.indexOf(',')).replace(/^"|"$/g, '')).filter((w) => w !== '' && !sweeps.has(w)))];
  if (foreign.length > 0) {
    throw new ConfigError('report options', [
      { path: 'out', message: `${file} lists trials of sweeps this store does not have (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); it is another report's table: choose another --out` },
    ]);
  }
}
