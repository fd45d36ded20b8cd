#!/usr/bin/env node
// docs/results.md's illustration of the Randman task: random smooth manifolds (one per class) for several
// smoothness values alpha and manifold dimensions D, projected onto two of their embedding units. Randman's spike
// times are these coordinates, scaled to the first half of the sample; smaller alpha means rougher manifolds and a
// harder task, larger D more of the embedding space covered.
//   node scripts/randman-figure.mjs [OUT_PREFIX]
import { writeFileSync } from 'node:fs';

import { Rng } from '../dist/index.js';
import { RandomManifold } from '../dist/data/randman.js';
import { svgToPng, toSvg } from '../dist/report/render.js';

const [out = 'docs/figures/randman-manifolds'] = process.argv.slice(2);
const classes = 3;
const rows = [];
for (const dim of [1, 2]) {
  // D = 1: a curve through 4000 points, drawn as a line; D = 2: a sheet sampled on a 50 x 50 grid, as points.
  const side = dim === 1 ? 4000 : 50;
  const count = dim === 1 ? side : side * side;
  const x = new Float64Array(count * dim);
  for (let p = 0; p < count; p++) {
    if (dim === 1) x[p] = p / (side - 1);
    else [x[2 * p], x[2 * p + 1]] = [(p % side) / (side - 1), Math.floor(p / side) / (side - 1)];
  }
  for (const alpha of [0.5, 1, 2]) {
    for (let c = 0; c < classes; c++) {
      const manifold = new RandomManifold(2, dim, alpha, new Rng(1000 * dim + 10 * c + alpha * 4));
      const y = await manifold.evaluate(x, 1);
      for (let p = 0; p < count; p++) rows.push({ panel: `D = ${dim}, alpha = ${alpha}`, cls: `class ${c + 1}`, order: p, u0: y[2 * p], u1: y[2 * p + 1] });
    }
  }
}
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: 'Randman: one random manifold per class', subtitle: ['two embedding units of each manifold; D: manifold dimension, alpha: smoothness (Fourier amplitudes fall as 1/k^alpha)', 'the task in docs/results.md: D = 1, alpha = 1, 20 units, 10 classes'] },
  data: { values: rows },
  facet: { field: 'panel', type: 'nominal', title: null, sort: rows.map((r) => r.panel).filter((v, i, a) => a.indexOf(v) === i) },
  columns: 3,
  spec: {
    width: 180,
    height: 180,
    layer: [
      { transform: [{ filter: "indexof(datum.panel, 'D = 1') === 0" }], mark: { type: 'line', strokeWidth: 0.6, opacity: 0.8 }, encoding: { order: { field: 'order', type: 'quantitative' } } },
      { transform: [{ filter: "indexof(datum.panel, 'D = 2') === 0" }], mark: { type: 'point', filled: true, size: 2, opacity: 0.5 } },
    ],
    encoding: {
      x: { field: 'u0', type: 'quantitative', title: 'unit 1', axis: { labelAngle: 0 } },
      y: { field: 'u1', type: 'quantitative', title: 'unit 2' },
      color: { field: 'cls', type: 'nominal', title: null },
      detail: { field: 'cls', type: 'nominal' },
    },
  },
  resolve: { scale: { x: 'independent', y: 'independent' } },
};
const svg = await toSvg(spec);
writeFileSync(`${out}.svg`, svg);
writeFileSync(`${out}.png`, svgToPng(svg));
console.log(`wrote ${out}.svg and ${out}.png`);
