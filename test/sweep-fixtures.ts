/** Small sweep specs whose trials train in about a second, for the sweep and queue tests. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { stringify } from 'yaml';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cli = path.join(root, 'dist', 'cli', 'main.js');

/** A tiny Randman task: 4 classes x 30 samples, 40 steps, 16 hidden neurons. */
export const tinyBase = {
  dataset: { name: 'randman', classes: 4, samplesPerClass: 30, steps: 40 },
  // Gain 5 so the small hidden layer fires from the start.
  network: { layers: [{ size: 16 }], init: { gain: 5 } },
  epochs: 2,
  batchSize: 32,
  evalBatchSize: 64,
  lr: 0.01,
};

/** Writes a spec file; `epochs` makes trials longer (for kill tests). */
export function writeSpec(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ name, store: path.join(dir, `${name}.sqlite`), base: tinyBase, ...extra }));
  return file;
}
