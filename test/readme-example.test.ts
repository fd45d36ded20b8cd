/** The README's API example runs as written (imported by package name, which resolves to dist/). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('the API example runs', async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const dir = mkdtempSync(path.join(root, 'test', '.readme-'));
    try {
      const file = path.join(dir, 'example.ts');
      writeFileSync(file, `${block}\nexport const result = { r, out, net };\n`);
      const { result } = await import(file);
      expect(Number.isFinite(result.r.loss)).toBe(true);
      expect(result.r.gradients['hidden.0.input'].length).toBe(20 * 100);
      expect(result.out.spikes[0].length).toBe(2 * 100 * 100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
