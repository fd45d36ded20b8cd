/**
 * The package as a user gets it: `npm pack` carries the prebuilt addon (and the libgomp it needs); installed into
 * a fresh directory with scripts disabled (nothing can be compiled) it trains through the library from a strict
 * ESM and a strict CommonJS TypeScript project (skipLibCheck off, exactOptionalPropertyTypes, default libs: no
 * DOM) and through the CLI, and a feature whose optional package is missing says what to install. Also measures
 * what a library user installs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-package-'));
afterAll(() => { if (!process.env.KEEP_PACKAGE_TEST) rmSync(tmp, { recursive: true, force: true }); });
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The newest modification time under a directory. */
function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = path.join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
}

function directorySize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    return n + (e.isDirectory() ? directorySize(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);
}

/** Installed packages: every directory under node_modules (and its nested node_modules) with a package.json. */
function packages(dir: string): number {
  const modules = path.join(dir, 'node_modules');
  if (!existsSync(modules)) return 0;
  let count = 0;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((e) => path.join(modules, entry, e)) : [path.join(modules, entry)];
    for (const d of dirs) if (existsSync(path.join(d, 'package.json'))) count += 1 + packages(d);
  }
  return count;
}

let tarball = '';
let project = '';

beforeAll(() => {
  const prebuilt = path.join(root, 'prebuilds', 'linux-x64');
  const stale = !existsSync(prebuilt) || !readdirSync(prebuilt).some((f) => f.endsWith('.node')) || newest(prebuilt) < Math.max(newest(path.join(root, 'native')), statSync(path.join(root, 'CMakeLists.txt')).mtimeMs);
  if (stale) execFileSync(process.execPath, [path.join(root, 'scripts', 'prebuild.cjs')], { cwd: root, stdio: 'ignore' });
  // dist/ is built by npm test; --ignore-scripts skips prepack, which would build both again.
  const name = npm(['pack', '--ignore-scripts', '--pack-destination', tmp, '--silent'], root).trim().split('\n').pop()!;
  tarball = path.join(tmp, name);
  project = path.join(tmp, 'app');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  npm(['install', '--ignore-scripts', '--no-package-lock', tarball], project);
}, 600_000);

describe('the packed tarball', () => {
  it('carries the prebuilt addon with its libgomp, and no development files', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/prebuilds/linux-x64/spikegrad.glibc.node');
    expect(files).toContain('package/prebuilds/linux-x64/libgomp.so.1');
    expect(files).toContain('package/docs/design.md');
    expect(files.filter((f) => /\.npmrc$|\/test\/|native\/fuzz\/corpus|build\/Release/.test(f))).toEqual([]);
  });

  it('installs lean: no store, queue, charts, HDF5 or build tools for a library user', () => {
    const installed = readdirSync(path.join(project, 'node_modules'));
    for (const heavy of ['better-sqlite3', 'bullmq', 'ioredis', 'vega', 'vega-lite', 'h5wasm', 'cmake-js', 'node-addon-api']) expect(installed).not.toContain(heavy);
    const count = packages(project);
    const bytes = directorySize(path.join(project, 'node_modules'));
    console.log(`core install: ${count} packages, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    expect(count).toBeLessThan(20);
  });

  it('trains from a strict ESM TypeScript project', () => {
    const out = runConsumer('esm', 'module', [
      "import { Network, loadDataset, parseTrainConfig, Trainer, type EpochRecord } from 'spikegrad';",
      "const { splits } = await loadDataset({ name: 'randman', classes: 3, units: 8, samplesPerClass: 40, steps: 40 }, { cache: false });",
      'const net = new Network({ inputs: 8, outputs: 3, layers: [{ size: 16 }], init: { kind: "uniform", gain: 5 } });',
      'const config = parseTrainConfig({ epochs: 3, batchSize: 20, lr: 0.02 });',
      'const records: EpochRecord[] = [];',
      'await new Trainer(net, config, { onEpoch: (r) => { records.push(r); } }).fit(splits.train, splits.valid);',
      'console.log(JSON.stringify({ epochs: records.length, loss: records[records.length - 1]?.train.loss }));',
    ]);
    expect(out.epochs).toBe(3);
    expect(Number.isFinite(out.loss)).toBe(true);
  });

  it('trains from a strict CommonJS TypeScript project (require of the ESM package)', () => {
    const out = runConsumer('cjs', 'commonjs', [
      "import { Network } from 'spikegrad';",
      "const spikegrad: typeof import('spikegrad') = require('spikegrad');",
      'const net = new Network({ inputs: 4, outputs: 2, layers: [{ size: 8, recurrent: true }] });',
      'const batch = spikegrad.eventBatchFromLists([{ times: [0, 3, 7], units: [0, 1, 3], label: 0 }, { times: [2], units: [2], label: 1 }], 30);',
      'net.lossAndGradient(batch).then((r) => console.log(JSON.stringify({ loss: r.loss, same: spikegrad.Network === Network })));',
    ]);
    expect(out.same).toBe(true);
    expect(Number.isFinite(out.loss)).toBe(true);
  });

  it('trains through the installed CLI, and names the package a missing feature needs', () => {
    const bin = path.join(project, 'node_modules', '.bin', 'spikegrad');
    const env = { ...process.env, SPIKEGRAD_CACHE: path.join(tmp, 'cache') };
    const run = spawnSync(bin, ['train', '--classes', '3', '--units', '8', '--samples-per-class-data', '40', '--layers', '16', '--epochs', '2', '--out', path.join(project, 'run'), '--progress', 'none'], { cwd: project, encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(project, 'run', 'results.json'), 'utf8')).epochs).toBe(2);
    writeFileSync(path.join(project, 'spec.yaml'), 'name: s\ngrid: { seed: [1] }\n');
    const sweep = spawnSync(bin, ['sweep', 'spec.yaml'], { cwd: project, encoding: 'utf8', env });
    expect(sweep.status).not.toBe(0);
    expect(sweep.stderr).toMatch(/the sweep results store needs the optional package better-sqlite3: install with "npm install better-sqlite3@12\.11\.1"/);
  });
});

/** A consumer project in the installed app: its package type, main.ts type-checked strictly, compiled and run. */
function runConsumer(name: string, type: 'module' | 'commonjs', lines: string[]) {
  const dir = path.join(project, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type }));
  writeFileSync(path.join(dir, 'main.ts'), lines.join('\n'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(strictConfig('nodenext')));
  execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(execFileSync(process.execPath, [path.join(dir, 'out', 'main.js')], { cwd: dir, encoding: 'utf8' }));
}

function strictConfig(module: string) {
  return {
    compilerOptions: {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      module,
      moduleResolution: module,
      target: 'es2022',
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')],
      outDir: 'out',
      rootDir: '.',
    },
    include: ['main.ts'],
  };
}
