/**
 * Every example in the README works as written: TypeScript blocks run (imported by package name, which resolves
 * to dist/), YAML blocks are valid configs or sweep specs, and every `npx spikegrad` line names a command and
 * flags that exist.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { expandTrials, parseSweepSpec } from '../src/sweep/spec.js';
import { parseTrainConfig } from '../src/train/train-config.js';

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
    // Examples write files (model.safetensors): into the test's own directory, not the checkout.
    process.chdir(dir);
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

describe('README YAML blocks', () => {
  const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  it('has YAML blocks', () => expect(yamlBlocks.length).toBeGreaterThanOrEqual(2));

  it.each(yamlBlocks.map((code, i) => [i, code] as const))('YAML block %i is a valid training config or sweep spec', (_i, code) => {
    const value = parseYaml(code) as Record<string, unknown>;
    if ('grid' in value || 'list' in value) expect(expandTrials(parseSweepSpec(value)).length).toBeGreaterThan(0);
    else expect(parseTrainConfig(value).epochs).toBeGreaterThan(0);
  });
});

describe('README command lines', () => {
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  const lines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1].split('\n'))
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => /^(?:npm ci && )?npx spikegrad /.test(l))
    .map((l) => l.replace(/^(?:npm ci && )?npx spikegrad /, ''));
  const helpOf = new Map<string, string>();
  const help = (command: string) => {
    if (!helpOf.has(command)) helpOf.set(command, execFileSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' }));
    return helpOf.get(command)!;
  };

  it('has command lines', () => expect(lines.length).toBeGreaterThanOrEqual(5));

  it.each(lines.map((l) => [l] as const))('spikegrad %s: the command and its flags exist', (line) => {
    const [command, ...args] = line.split(/\s+/);
    const text = help(command);
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(text, `${command} ${flag}`).toContain(flag.replace(/=.*$/, ''));
  });
});
