/**
 * Charts: vega-lite specs compiled by vega into SVG without a canvas (renderer 'none'), and SVG into PNG with
 * resvg. Text is set in DejaVu Sans, the sans-serif family that a Debian machine has; resvg is pointed at its
 * files so a PNG shows the same text as the SVG.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { TopLevelSpec } from 'vega-lite';

import { writeFileAtomic } from '../util/atomic-write.js';
import { importOptional, requireOptional } from '../util/optional.js';

export const CHART_FONT = 'DejaVu Sans';
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/local/share/fonts'];
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'];

function fontFiles(): string[] {
  const found: string[] = [];
  for (const dir of FONT_DIRS) for (const f of FONT_FILES) if (existsSync(path.join(dir, f))) found.push(path.join(dir, f));
  return found;
}

/** Adds the font config every chart shares. */
export function withChartDefaults(spec: TopLevelSpec): TopLevelSpec {
  const config = { font: CHART_FONT, ...(spec as { config?: object }).config };
  return { ...spec, config } as TopLevelSpec;
}

export async function toSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: importing spikegrad should not cost vega's ~50 MB.
  const vega = await importOptional('vega', 'drawing charts', () => import('vega'));
  const { compile } = await importOptional('vega-lite', 'drawing charts', () => import('vega-lite'));
  // vega-lite warns on stderr about harmless facet/scale combinations; SPIKEGRAD_DEBUG shows them.
  const logger = vega.logger(process.env.SPIKEGRAD_DEBUG ? vega.Warn : vega.None);
  const compiled = compile(withChartDefaults(spec), { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, scale = 2): Buffer {
  const files = fontFiles();
  const { Resvg } = requireOptional<typeof import('@resvg/resvg-js')>('@resvg/resvg-js', 'PNG charts');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      loadSystemFonts: files.length === 0,
      fontFiles: files,
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  return resvg.render().asPng();
}

/** Writes a chart as .svg or .png (chosen by the file's extension), atomically. */
export async function writeChart(spec: TopLevelSpec, file: string): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new Error(`${file}: expected a file name ending in .svg or .png`);
  const svg = await toSvg(spec);
  writeFileAtomic(file, ext === '.svg' ? svg : svgToPng(svg));
}
