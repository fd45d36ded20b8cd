/**
 * Local sweeps: trials run in child processes sharing the cores, results go to SQLite once per trial, a re-run
 * skips done trials, failures are retried then stored with their error, and a killed sweep finishes when run again.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { allocateCores } from '../src/sweep/local-pool.js';
import { ResultStore } from '../src/sweep/store.js';
import { cli, tinyBase, writeSpec } from './sweep-fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sweep = (...args: string[]) => spawnSync(process.execPath, [cli, 'sweep', ...args, '--progress', 'lines'], { encoding: 'utf8', timeout: 240_000 });

/** Pids whose command line (arguments joined by NUL) contains `text` (no pgrep needed). */
function processesMatching(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Polls `check` every 50 ms until it holds or `ms` pass; whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function readStore(file: string) {
  const store = new ResultStore(file, { readonly: true });
  try {
    return store.trials();
  } finally {
    store.close();
  }
}

describe('core allocation', () => {
  it('runs one single-thread trial per core when there is enough work', () => {
    expect(allocateCores(8, 100)).toEqual({ parallel: 8, threads: 1 });
  });
  it('gives the cores to the few trials there are', () => {
    expect(allocateCores(8, 1)).toEqual({ parallel: 1, threads: 8 });
    expect(allocateCores(8, 3)).toEqual({ parallel: 3, threads: 2 });
  });
  it('fills the cores around a fixed number', () => {
    expect(allocateCores(8, 100, { threads: 4 })).toEqual({ parallel: 2, threads: 4 });
    expect(allocateCores(8, 100, { parallel: 2 })).toEqual({ parallel: 2, threads: 4 });
    expect(allocateCores(2, 100, { threads: 4 })).toEqual({ parallel: 1, threads: 4 });
  });
});

describe('spikegrad sweep (local)', () => {
  it('runs every trial once, stores full results, and skips them when run again', () => {
    const spec = writeSpec(tmp, 'grid', { grid: { 'network.surrogate.shape': ['superspike', 'esser'], seed: [1, 2] } });
    const first = sweep(spec);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/4 trials, 0 already done, 4 to run/);
    expect(first.stdout).toMatch(/4 done, 0 failed, 0 not finished/);
    const rows = readStore(path.join(tmp, 'grid.sqlite'));
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.status).toBe('done');
      expect(r.attempts).toBe(1);
      expect(r.history).toHaveLength(2);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.spikesPerNeuron).toBeGreaterThanOrEqual(0);
      expect(r.wallSeconds).toBeGreaterThan(0);
      expect(r.results?.test.accuracy).toBe(r.testAccuracy);
      expect(r.network?.layers[0].size).toBe(16);
    }
    expect(new Set(rows.map((r) => `${r.config.network.surrogate.shape}/${r.config.seed}`)).size).toBe(4);
    const finishedAt = rows.map((r) => r.finishedAt);

    const again = sweep(spec);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/4 trials, 4 already done, 0 to run/);
    expect(readStore(path.join(tmp, 'grid.sqlite')).map((r) => r.finishedAt)).toEqual(finishedAt);
  });

  it('is bit-identical to spikegrad train with the same config', () => {
    const rows = readStore(path.join(tmp, 'grid.sqlite'));
    const row = rows.find((r) => r.config.seed === 1 && r.config.network.surrogate.shape === 'superspike')!;
    const out = path.join(tmp, 'single');
    const configFile = path.join(tmp, 'single.json');
    writeFileSync(configFile, JSON.stringify(row.config));
    const r = spawnSync(process.execPath, [cli, 'train', '--config', configFile, '--out', out, '--progress', 'none'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.test.accuracy).toBe(row.testAccuracy);
    expect(results.test.loss).toBe(row.testLoss);
  });

  it('retries a failing trial, then stores it as failed with its error', () => {
    // An image data set in a directory without files fails when the trial loads it.
    const spec = writeSpec(tmp, 'failing', {
      attempts: 2,
      list: [{ seed: 1 }, { dataset: { name: 'fashion-mnist', path: path.join(tmp, 'no-such-dir') } }],
    });
    const r = sweep(spec);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/retry/);
    expect(r.stderr).toMatch(/1 trial\(s\) failed/);
    const rows = readStore(path.join(tmp, 'failing.sqlite'));
    const failed = rows.find((x) => x.status === 'failed')!;
    expect(failed.attempts).toBe(2);
    expect(failed.error).toMatch(/no-such-dir/);
    expect(rows.find((x) => x.status === 'done')).toBeDefined();
  });

  it('reports an invalid spec before running anything', () => {
    const spec = writeSpec(tmp, 'invalid', { grid: { 'network.surrogate.scale': [1, -1] } });
    const r = sweep(spec);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/trial 1 \(network\.surrogate\.scale=-1\): network\.surrogate\.scale/);
  });

  it('finishes the rest when run again after the sweep was killed', async () => {
    // Longer trials, so the kill lands mid-sweep.
    const spec = writeSpec(tmp, 'killed', { base: { ...tinyBase, epochs: 15 }, grid: { seed: [1, 2, 3, 4, 5, 6] } });
    const child: ChildProcess = spawn(process.execPath, [cli, 'sweep', spec, '--progress', 'lines'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if ((log.match(/^done /gm) ?? []).length >= 1) resolve();
      });
    });
    // Trials are still running: they must not outlive the sweep. Both lanes run equal-length trials, so at the
    // instant the first finishes the other lane may be between trials too; look until one is seen.
    expect(await eventually(() => processesMatching(`trial-process.js\0${tmp}`).length > 0, 20_000)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = readStore(path.join(tmp, 'killed.sqlite'));
    const doneBefore = partial.filter((r) => r.status === 'done').length;
    expect(doneBefore).toBeGreaterThanOrEqual(1);
    expect(doneBefore).toBeLessThan(6);
    // The killed sweep's trial processes stop by themselves (they watch their parent).
    await new Promise((r) => setTimeout(r, 1500));
    expect(processesMatching(`trial-process.js\0${tmp}`)).toEqual([]);
    // Nothing runs them now: a dry run says so instead of 'running'.
    const listed = sweep(spec, '--dry-run');
    expect(listed.stdout).not.toMatch(/ running /);
    expect(listed.stdout).toMatch(/ interrupted /);

    const r = sweep(spec);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`6 trials, ${doneBefore} already done, ${6 - doneBefore} to run`));
    const rows = readStore(path.join(tmp, 'killed.sqlite'));
    expect(rows.filter((x) => x.status === 'done')).toHaveLength(6);
    // The trials the kill interrupted did not lose an attempt to it.
    expect(rows.map((x) => x.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('refuses a second coordinator on the same sweep and store while the first runs', async () => {
    const spec = writeSpec(tmp, 'twice', { base: { ...tinyBase, epochs: 15 }, grid: { seed: [1, 2, 3, 4] } });
    const first: ChildProcess = spawn(process.execPath, [cli, 'sweep', spec, '--progress', 'lines'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    await new Promise<void>((resolve) => {
      first.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/^started /m.test(log)) resolve();
      });
    });
    const second = sweep(spec);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/twice\.sqlite: sweep "twice" is being run by process \d+ on .*; wait for it to end or stop it/);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // Once the first is gone, its lock is stale and the sweep can run.
    const third = sweep(spec, '--dry-run');
    expect(third.status, third.stderr).toBe(0);
  });

  it('names a store that is not a results store, also in a dry run, and caps absurd grids', () => {
    const spec = writeSpec(tmp, 'garbage', { grid: { seed: [1] } });
    writeFileSync(path.join(tmp, 'garbage.sqlite'), 'this is not SQLite '.repeat(100));
    for (const args of [[spec, '--dry-run'], [spec]]) {
      const r = sweep(...args);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/garbage\.sqlite: not a spikegrad results store \(file is not a database\)/);
    }
    const huge = writeSpec(tmp, 'huge', { grid: { seed: Array.from({ length: 1000 }, (_, i) => i), lr: Array.from({ length: 1000 }, (_, i) => 0.001 * (i + 1)), 'network.surrogate.scale': Array.from({ length: 10 }, (_, i) => i + 1) } });
    const started = Date.now();
    const r = sweep(huge, '--dry-run');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/grid: 10,000,000 trials, more than the 100,000 one spec may hold: seed \(1000\) x lr \(1000\) x network\.surrogate\.scale \(10\)/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
