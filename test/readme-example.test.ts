/** Every TypeScript example in the README runs as written (imported by package name, which resolves to dist/). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const dir = mkdtempSync(path.join(root, 'test', '.readme-'));
const cache = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-readme-cache-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

describe('README examples', () => {
  it('has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(2));

  it.each(blocks.map((code, i) => [i, code] as const))('example %i runs', async (i, code) => {
    process.env.SPIKEGRAD_CACHE = cache;
    const names = [...code.matchAll(/^(?:const|let) (?:\{ ([^}]+) \}|(\w+))/gm)].flatMap((m) =>
      m[1] ? m[1].split(',').map((s) => s.trim().split(':').pop()!.trim()) : [m[2]],
    );
    const file = path.join(dir, `example-${i}.ts`);
    writeFileSync(file, `${code}\nexport const exported = { ${names.join(', ')} };\n`);
    const { exported } = await import(file);
    for (const name of names) expect(exported[name], name).toBeDefined();
    if (exported.r) expect(Number.isFinite(exported.r.loss)).toBe(true);
    if (exported.out) expect(exported.out.spikes[0].length).toBe(2 * 100 * 100);
    if (exported.splits) expect(exported.splits.train.size).toBe(8000);
  });
});
