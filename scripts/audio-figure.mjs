#!/usr/bin/env node
// The design doc's figure of the cochlear front end: one spoken digit (espeak-ng), its cochleagram (compressed
// hair-cell output, channels averaged in groups of 7 for the picture) and the spikes the fibres fire.
//   node scripts/audio-figure.mjs OUT_PREFIX [word] [voice]
import { spawnSync } from 'node:child_process';

import { cochleagram, decodeWav, normalizeLevel, parseFrontEnd, resample } from '../dist/audio/index.js';
import { writeFileSync } from 'node:fs';

import { svgToPng, toSvg } from '../dist/report/render.js';

const [out = 'docs/figures/cochlea', word = 'seven', voice = 'en-us+m3'] = process.argv.slice(2);
const r = spawnSync('espeak-ng', ['-v', voice, '--stdout', word]);
if (r.status !== 0) throw new Error(`espeak-ng failed: ${r.stderr}`);
const fe = parseFrontEnd({ kind: 'cochlea' });
const wav = decodeWav(r.stdout, `espeak-ng ${voice} "${word}"`);
const x = resample(wav.samples, wav.sampleRate, fe.sampleRate);
normalizeLevel(x, word);
const grid = { dt: 2e-3, steps: 500 };
const g = await cochleagram(fe, x, grid);
const group = 7;
const cells = [];
for (let n = 0; n < grid.steps; n += 2) {
  for (let c0 = 0; c0 < fe.channels; c0 += group) {
    let s = 0;
    for (let c = c0; c < c0 + group; c++) s += g.cochleagram[n * fe.channels + c];
    cells.push({ t: n * grid.dt * 1000, channel: c0, value: s / group });
  }
}
const spikes = Array.from(g.times, (t, i) => ({ t: t * grid.dt * 1000, channel: g.units[i] }));
const x_ = { field: 't', type: 'quantitative', title: 'time (ms)', scale: { domain: [0, grid.steps * grid.dt * 1000] } };
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: `"${word}" (espeak-ng ${voice}) through the cochlear front end`, subtitle: `${fe.channels} ERB-spaced channels ${fe.fMin}-${fe.fMax} Hz, ${fe.fibres} fibre per channel, gain ${fe.gain}; ${spikes.length} spikes` },
  vconcat: [
    { width: 600, height: 200, title: 'cochleagram: compressed hair-cell output', data: { values: cells }, mark: 'rect', encoding: { x: { ...x_, bin: { step: 4 } }, y: { field: 'channel', type: 'quantitative', bin: { step: group }, title: 'channel (low to high frequency)' }, color: { field: 'value', type: 'quantitative', title: 'output', scale: { scheme: 'viridis' } } } },
    { width: 600, height: 200, title: 'spikes of the fibres', data: { values: spikes }, mark: { type: 'square', size: 2, color: '#1f4e79' }, encoding: { x: x_, y: { field: 'channel', type: 'quantitative', title: 'channel', scale: { domain: [0, fe.channels] } } } },
  ],
};
const svg = await toSvg(spec);
writeFileSync(`${out}.svg`, svg);
writeFileSync(`${out}.png`, svgToPng(svg));
console.log(`wrote ${out}.svg and ${out}.png`);
