/**
 * Data-parallel training over MPI (issue 17), with real mpirun on loopback: gradients against one process,
 * repeatability, rank 0 writing alone, resume after a kill, and a killed rank ending the job instead of a hang.
 * Runs where Open MPI's mpirun and the MPI addon exist (.ci/run installs openmpi-bin and libopenmpi-dev, and the
 * addon is built with the rest by npm ci); elsewhere only the missing-MPI message is checked.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { readCheckpoint } from '../src/io/checkpoint.js';
import { bitsEqual } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-mpi-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasMpirun = spawnSync('mpirun', ['--version'], { stdio: 'ignore' }).status === 0;
const hasAddon = existsSync(path.join(root, 'build', 'Release', 'spikegrad_mpi.node'));
// CI runs as root; Open MPI refuses that unless told twice.
const env = { ...process.env, SPIKEGRAD_CACHE: path.join(tmp, 'cache'), OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };
const mpirun = (np: number, ...args: string[]) => run('mpirun', ['--oversubscribe', '-np', String(np), process.execPath, ...args], { env, maxBuffer: 1 << 24, timeout: 240_000 });
const small = ['--classes', '4', '--units', '12', '--samples-per-class-data', '150', '--layers', '32', '--batch-size', '40', '--lr', '0.03', '--threads', '1', '--progress', 'lines'];
const train = (np: number, out: string, ...extra: string[]) => mpirun(np, cli, 'train', ...small, '--distributed', 'mpi', '--mpi-timeout', '60', '--out', out, ...extra);
const params = (dir: string) => readCheckpoint(path.join(dir, 'checkpoint.sgck')).parameters;

describe('--distributed mpi without MPI support', () => {
  it('names the packages to install', () => {
    const r = spawnSync(process.execPath, [cli, 'train', ...small, '--distributed', 'mpi', '--out', path.join(tmp, 'none')], { env: { ...env, SPIKEGRAD_MPI_ADDON: path.join(tmp, 'no-such-addon.node') }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--distributed mpi: this spikegrad has no MPI support .*apt-get install openmpi-bin libopenmpi-dev/);
  });

  it('refuses an unknown kind and a run without --out', () => {
    const kind = spawnSync(process.execPath, [cli, 'train', '--distributed', 'tcp'], { env, encoding: 'utf8' });
    expect(kind.status).toBe(2);
    expect(kind.stderr).toMatch(/distributed: expected "mpi", got "tcp"/);
    const out = spawnSync(process.execPath, [cli, 'train', '--distributed', 'mpi'], { env, encoding: 'utf8' });
    expect(out.stderr).toMatch(/--distributed mpi needs --out <dir>, the same on every rank/);
  });
});

describe.skipIf(!hasMpirun || !hasAddon)('data-parallel training over MPI', () => {
  it('sums in rank order (where order changes the result), any length, float32 and float64; gathers in rank order', async () => {
    for (const np of [2, 3]) {
      const { stdout } = await mpirun(np, path.join(root, 'test', 'fixtures', 'mpi', 'sum.mjs'));
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(r.sum32).toEqual(r.expect32);
      expect(r.sum64).toEqual(r.expect64);
      expect(r.type32 && r.type64).toBe(true);
      expect(r.gathered).toEqual(Array.from({ length: np }, (_, k) => [k, 10 * k]).flat());
      expect(r.empty).toBe(0);
      // Three ranks: (1e8 + 1) - 1e8 in float32 is 0 in rank order (any other order gives 1).
      if (np === 3) expect(r.sum32[0]).toBe(0);
    }
  }, 120_000);

  it('sums the ranks gradients to within float rounding of one process, bit-identical when repeated', async () => {
    for (const np of [2, 3]) {
      const { stdout } = await mpirun(np, path.join(root, 'test', 'fixtures', 'mpi', 'gradient.mjs'));
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(r.size).toBe(np);
      expect(r.repeatable).toBe(true);
      for (const [name, rel] of Object.entries(r.relative as Record<string, number>)) expect(rel, `${name} at ${np} ranks`).toBeLessThan(1e-6);
      expect(Math.abs(r.loss[0] - r.loss[2])).toBeLessThan(1e-6 * r.loss[2]);
      expect(r.correct[0]).toBe(r.correct[1]);
      expect(r.counts[0]).toEqual(r.counts[1]);
      expect(r.counts[1].some((c: number) => c > 0)).toBe(true);
    }
  }, 120_000);

  it('trains on 2 ranks: rank 0 alone writes, a repeat is bit-identical, the result matches one process', async () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    const one = path.join(tmp, 'one');
    const { stdout, stderr } = await train(2, a, '--epochs', '4');
    expect(stderr).toMatch(/data-parallel over 2 MPI ranks \(batch 40 split into shards of 20-20\)/);
    // One rank prints: one result line, four epoch lines.
    expect(stdout.match(/test accuracy/g)).toHaveLength(1);
    expect(stderr.match(/^epoch 1\/4/gm)).toHaveLength(1);
    expect(readdirSync(a).sort()).toEqual(['checkpoint.sgck', 'metrics.jsonl', 'results.json']);
    await train(2, b, '--epochs', '4');
    const pa = params(a);
    const pb = params(b);
    for (const name of Object.keys(pa)) expect(bitsEqual(pa[name], pb[name]), name).toBe(true);

    await run(process.execPath, [cli, 'train', ...small, '--epochs', '4', '--out', one], { env });
    const ra = JSON.parse(readFileSync(path.join(a, 'results.json'), 'utf8'));
    const r1 = JSON.parse(readFileSync(path.join(one, 'results.json'), 'utf8'));
    // Summation order differs from one process's, so the trajectories part in the last bits; after 4 epochs the
    // loss and accuracy agree closely.
    expect(Math.abs(ra.history[0].train.loss - r1.history[0].train.loss)).toBeLessThan(1e-4);
    expect(Math.abs(ra.test.accuracy - r1.test.accuracy)).toBeLessThan(0.05);
    const p1 = params(one);
    for (const name of Object.keys(pa)) {
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < pa[name].length; i++) {
        diff += (pa[name][i] - p1[name][i]) ** 2;
        norm += p1[name][i] ** 2;
      }
      expect(Math.sqrt(diff / norm), name).toBeLessThan(1e-2);
    }
  }, 240_000);

  it('resumes a killed 2-rank run bit-identical to an uninterrupted one', async () => {
    const reference = path.join(tmp, 'reference');
    await train(2, reference, '--epochs', '40');
    const killed = path.join(tmp, 'killed');
    // Its own process group, so that one SIGKILL ends mpirun and both ranks at once (as a lost node or scancel).
    const job = spawn('mpirun', ['--oversubscribe', '-np', '2', process.execPath, cli, 'train', ...small, '--distributed', 'mpi', '--epochs', '40', '--out', killed], { env, stdio: 'ignore', detached: true });
    await waitFor(() => metricLines(killed) >= 3, 120_000);
    const ranks = [rankPid(job.pid!, 0), rankPid(job.pid!, 1)];
    process.kill(-job.pid!, 'SIGKILL');
    await waitFor(() => ranks.every((pid) => !existsSync(`/proc/${pid}`)), 30_000);
    const epochs = readCheckpoint(path.join(killed, 'checkpoint.sgck')).state.epoch;
    expect(epochs).toBeLessThan(40);
    const { stderr } = await mpirun(2, cli, 'train', '--resume', '--distributed', 'mpi', '--out', killed, '--progress', 'lines', '--threads', '1');
    expect(stderr).toMatch(new RegExp(`resuming from .*checkpoint\\.sgck after epoch ${epochs}`));
    const pr = params(reference);
    const pk = params(killed);
    for (const name of Object.keys(pr)) expect(bitsEqual(pr[name], pk[name]), name).toBe(true);
  }, 240_000);

  it('ends the job with an error when a rank is killed, instead of hanging', async () => {
    const out = path.join(tmp, 'dying');
    const job = spawn('mpirun', ['--oversubscribe', '-np', '2', process.execPath, cli, 'train', ...small, '--distributed', 'mpi', '--mpi-timeout', '60', '--epochs', '200', '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    job.stdout.on('data', (d) => (output += d));
    job.stderr.on('data', (d) => (output += d));
    await waitFor(() => metricLines(out) >= 1, 120_000);
    const rank1 = rankPid(job.pid!, 1);
    expect(rank1).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(rank1, 'SIGKILL');
    const status = await new Promise<number | null>((resolve) => job.once('exit', (code) => resolve(code)));
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect(status).not.toBe(0);
    expect(output).toMatch(/rank 1 .*(exited on signal 9|Killed)|process rank 1 .*signal 9/s);
  }, 240_000);

  it('aborts the job when a rank stops answering (the watchdog of --mpi-timeout)', async () => {
    const out = path.join(tmp, 'stuck');
    const job = spawn('mpirun', ['--oversubscribe', '-np', '2', process.execPath, cli, 'train', ...small, '--distributed', 'mpi', '--mpi-timeout', '3', '--epochs', '200', '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    job.stdout.on('data', (d) => (output += d));
    job.stderr.on('data', (d) => (output += d));
    await waitFor(() => metricLines(out) >= 1, 120_000);
    // A stopped process is alive to MPI: only the other rank's watchdog can end this job.
    const rank1 = rankPid(job.pid!, 1);
    process.kill(rank1, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      const status = await new Promise<number | null>((resolve) => job.once('exit', (code) => resolve(code)));
      expect(Date.now() - stoppedAt).toBeLessThan(45_000);
      expect(status).not.toBe(0);
      expect(output).toMatch(/rank 0 of 2: the other ranks did not answer a sum within 3 s .*aborting the MPI job/);
    } finally {
      try {
        process.kill(-job.pid!, 'SIGKILL');
      } catch {}
      try {
        process.kill(rank1, 'SIGKILL');
      } catch {}
    }
  }, 120_000);
});

function metricLines(dir: string): number {
  const file = path.join(dir, 'metrics.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid of the given rank among mpirun's children (Open MPI sets OMPI_COMM_WORLD_RANK in each). */
function rankPid(mpirunPid: number, rank: number): number {
  const children = spawnSync('pgrep', ['-P', String(mpirunPid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  for (const pid of children) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`OMPI_COMM_WORLD_RANK=${rank}`)) return pid;
    } catch {}
  }
  return 0;
}
