import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-cli-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const spikegrad = (...args: string[]) => run(process.execPath, [cli, ...args], { env: { ...process.env, SPIKEGRAD_CACHE: path.join(tmp, 'cache') } });
const small = ['--classes', '3', '--units', '10', '--samples-per-class-data', '40'];

describe('spikegrad data', () => {
  it('describes a data set as JSON', async () => {
    const { stdout } = await spikegrad('data', 'randman', ...small, '--describe', '--json');
    const d = JSON.parse(stdout);
    expect(d.splits.train.samples + d.splits.valid.samples + d.splits.test.samples).toBe(120);
    expect(d.splits.train.spikesPerUnit).toBe(1);
    expect(d.dataset.options.units).toBe(10);
  });

  it('prints a readable table and reuses the cache', async () => {
    await spikegrad('data', 'randman', ...small);
    const { stdout } = await spikegrad('data', 'randman', ...small);
    expect(stdout).toMatch(/randman: 3 classes, 10 inputs, 100 steps/);
    expect(stdout).toMatch(/train +96 +960 +10\.0 \(10-10\)/);
    expect(stdout).toMatch(/\(reused\)/);
  });

  it('draws rasters as SVG and PNG', async () => {
    const svg = path.join(tmp, 'r.svg');
    const png = path.join(tmp, 'r.png');
    await spikegrad('data', 'randman', ...small, '--raster', svg);
    await spikegrad('data', 'randman', ...small, '--raster', png, '--split', 'test');
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toContain('class 2');
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('fails clearly for missing data and bad options', async () => {
    await expect(spikegrad('data', 'fashion-mnist', '--data-path', path.join(tmp, 'nothing'))).rejects.toMatchObject({
      stderr: expect.stringMatching(/apt-get install dataset-fashion-mnist/),
      code: 1,
    });
    await expect(spikegrad('data', 'randman', '--alpha', 'abc')).rejects.toMatchObject({
      stderr: expect.stringMatching(/option '--alpha <x>' argument 'abc' is invalid\. expected a number/),
    });
    await expect(spikegrad('data', 'randman', '--alpha', '-2')).rejects.toMatchObject({
      stderr: expect.stringMatching(/alpha: Too small/),
      code: 2,
    });
    await expect(spikegrad('data', 'randman', '--raster', path.join(tmp, 'x.jpg'))).rejects.toMatchObject({
      stderr: expect.stringMatching(/expected a file name ending in \.svg or \.png/),
    });
  });
});
