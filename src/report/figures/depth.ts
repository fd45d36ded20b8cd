/**
 * Figures 3 and 4: accuracy over depth for normalized vs asymptotic SuperSpike under detached vs differentiable
 * reset; and recurrent networks with the gradient through the recurrence propagated vs detached, over scale and
 * depth.
 */
import type { TrialRow } from '../../sweep/store.js';
import { bestCells, groupBy } from '../aggregate.js';
import { type FigureRecipe, trialsSubtitle } from './figure.js';
import { meanLines } from './mean-lines.js';

const depth = (r: TrialRow) => r.config.network.layers.length;
const subtitle = (rows: TrialRow[]) => `mean +- s.d. over seeds, dots: seeds; ${trialsSubtitle(rows)}`;

const surrogateKind = (r: TrialRow) => (r.config.network.surrogate.normalized ? 'normalized SuperSpike' : 'asymptotic SuperSpike (x beta)');

const cellOf = (r: TrialRow) => `beta ${r.config.network.surrogate.scale} / lr ${r.config.lr}`;

export const resetDepth: FigureRecipe = {
  name: 'reset-depth',
  description: 'normalized vs asymptotic SuperSpike x detached vs differentiable reset over hidden-layer depth',
  build: (rows) => {
    // A sweep that also varies the initialization gets a panel per (surrogate, init) pair.
    const inits = new Set(rows.map((r) => r.config.network.init.kind));
    const panel = inits.size > 1 ? (r: TrialRow) => `${surrogateKind(r)} / ${r.config.network.init.kind} init` : surrogateKind;
    // A sweep over a scale x learning-rate grid: each point is the best cell of its condition and depth (by mean
    // validation accuracy), not the mean over the grid.
    const condition = (r: TrialRow) => ({ panel: panel(r), reset: r.config.network.reset, depth: depth(r) });
    const grid = groupBy(rows, condition).some((g) => new Set(g.rows.map(cellOf)).size > 1);
    const shown = grid ? bestCells(rows, condition, cellOf).flatMap((c) => c.rows) : rows;
    return meanLines(shown, {
      title: 'Reset handling and surrogate normalization over depth',
      // Short lines: the renderer estimates text width without a font and overestimates it, and the figure takes
      // the width of its longest estimated line (one 105-character line left a third of the figure blank).
      subtitle: grid
        ? ['each point: the best scale and learning rate of its condition and depth', 'by validation (labelled beta / lr)', subtitle(shown)]
        : subtitle(shown),
      x: { of: depth, title: 'hidden layers', type: 'ordinal' },
      color: { of: (r) => r.config.network.reset, title: 'reset' },
      column: { of: panel, title: null },
      ...(grid ? { detail: { of: cellOf, title: 'cell' }, label: (r: TrialRow) => `${r.config.network.surrogate.scale} / ${r.config.lr}` } : {}),
    });
  },
};

export const recurrence: FigureRecipe = {
  name: 'recurrent',
  description: 'recurrent networks: gradient through the recurrence propagated vs detached (and feedforward), over scale',
  build: (rows) => {
    // Feedforward trials of the same sweeps are the reference line. Panels per depth of the recurrent part, per
    // surrogate normalization and per learning rate when a sweep varies them.
    const kinds = new Set(rows.map(surrogateKind));
    const rates = new Set(rows.map((r) => r.config.lr));
    const layers = (r: TrialRow) => `${depth(r)} hidden layer${depth(r) > 1 ? 's' : ''}`;
    const panel = (r: TrialRow) =>
      [layers(r), ...(kinds.size > 1 ? [surrogateKind(r)] : []), ...(rates.size > 1 ? [`lr ${r.config.lr}`] : [])].join(' / ');
    const condition = (r: TrialRow) => {
      const recurrent = r.config.network.layers.find((l) => l.recurrent);
      return recurrent === undefined ? 'none (feedforward)' : (recurrent.recurrentGradient ?? 'propagate');
    };
    return meanLines(rows, {
      title: 'Recurrent networks: credit through the recurrence',
      subtitle: subtitle(rows),
      x: { of: (r) => r.config.network.surrogate.scale, title: 'surrogate scale beta', type: 'ordinal' },
      color: { of: condition, title: 'recurrent gradient' },
      column: { of: panel, title: null },
    });
  },
};
