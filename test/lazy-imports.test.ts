/**
 * Importing spikegrad must not load the heavy optional parts (queue client, chart renderer, HDF5 in WebAssembly:
 * together ~65 MB of RSS and most of the import time). They are loaded by the functions that use them; no
 * compiled module may import them statically.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

const LAZY = ['bullmq', 'ioredis', 'vega', 'vega-lite', 'h5wasm', 'h5wasm/node'];
const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

/** The compiled module of every source file (npm test builds dist/ first). */
function jsFiles(dir = path.join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? jsFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
        ? [path.join(dist, path.relative(path.join(root, 'src'), path.join(dir, e.name)).replace(/\.ts$/, '.js'))]
        : [],
  );
}

describe('heavy dependencies load on first use', () => {
  it('no compiled module imports them statically', () => {
    const files = jsFiles();
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const name of LAZY) {
        const statik = new RegExp(`^\\s*import\\s[^;]*?from\\s+['"]${name.replace('/', '\\/')}['"]`, 'm');
        if (statik.test(text)) offenders.push(`${path.relative(dist, file)} imports ${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the dynamic imports that replace them are there', () => {
    const all = jsFiles().map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const name of ['bullmq', 'ioredis', 'vega', 'vega-lite', 'h5wasm/node']) expect(all).toContain(`import('${name}')`);
  });
});
