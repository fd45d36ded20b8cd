/** spikegrad bench: runs the harness on one small config and writes its JSON; bad flags name the field. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-bench-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('spikegrad bench', () => {
  it('times a config and writes the table and JSON', () => {
    const r = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--threads', '1', '--repeats', '1', '--dir', tmp, '--out', 'small'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CPUs busy \d+ % before the run/);
    expect(r.stdout).toMatch(/randman\s+1 thr\s+spikegrad\s+[\d.]+ ms/);
    const result = JSON.parse(readFileSync(path.join(tmp, 'small.json'), 'utf8'));
    expect(result.rows).toHaveLength(1);
    const row = result.rows[0];
    expect(row.config).toBe('randman');
    expect(row.spikegrad.medianSeconds).toBeGreaterThan(0);
    expect(row.spikegrad.hiddenRate).toBeGreaterThan(0);
    expect(row.spikegrad.peakRssBytes).toBeGreaterThan(0);
    expect(row.productGflopsPerCore).toBeGreaterThan(0);
  });

  it('runs another checkout side by side with --against, and refuses a directory without a built library', () => {
    // This checkout against itself: the same engine, so the same hidden rate on both sides.
    const r = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--threads', '1', '--repeats', '1', '--rounds', '2', '--against', root, '--dir', tmp, '--out', 'ab'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| against\s+[\d.]+ ms .*=> this checkout [\d.]+x \(rounds: [\d.]+ \/ [\d.]+\)/);
    const row = JSON.parse(readFileSync(path.join(tmp, 'ab.json'), 'utf8')).rows[0];
    expect(row.against.root).toBe(root);
    expect(row.against.rounds).toHaveLength(2);
    expect(row.against.hiddenRate).toBe(row.spikegrad.hiddenRate);
    expect(row.against.speedup).toBeCloseTo(row.against.medianSeconds / row.spikegrad.medianSeconds, 12);
    const missing = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--against', tmp, '--dir', tmp], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--against: .*dist\/index\.js does not exist; give a built spikegrad checkout/);
  });

  it('rejects an unknown config by name', () => {
    const r = spawnSync(process.execPath, [cli, 'bench', '--configs', 'nope', '--dir', tmp], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--configs: unknown config "nope"; expected one of shd/);
  });

  it('runs the peers with the interpreter --python names, and refuses one that does not exist', () => {
    const missing = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--peers', '--python', '/no/such/python', '--dir', tmp], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--python: \/no\/such\/python does not exist/);
    // An interpreter that cannot import torch: the peer is skipped with a message naming it.
    const r = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--threads', '1', '--repeats', '1', '--rounds', '1', '--peers', '--python', '/bin/false', '--dir', tmp, '--out', 'nopeer'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PyTorch peer skipped: \/bin\/false cannot import torch/);
    expect(r.stdout).toMatch(/snnTorch peer skipped: \/bin\/false cannot import the snnTorch adapter/);
  });

  it('rejects an unknown peer by name', () => {
    const r = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--peers', 'torch,brian', '--dir', tmp], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--peers: unknown peer "brian"; expected some of torch, snntorch, norse, spikingjelly/);
  });

  it('ships peer adapters that Python can compile', () => {
    // The adapters run only where torch and the frameworks import (bench/README.md); this catches a broken file
    // everywhere. Compiled into a scratch prefix, so the package's bench/ directory stays clean.
    const peers = path.join(root, 'bench', 'peers');
    const files = ['peer_common.py', 'torch_snn.py', 'snntorch_snn.py', 'norse_snn.py', 'spikingjelly_snn.py'].map((f) => path.join(peers, f));
    const r = spawnSync('python3', ['-c', 'import sys, py_compile\nfor f in sys.argv[2:]: py_compile.compile(f, cfile=sys.argv[1] + "/" + f.split("/")[-1] + "c", doraise=True)', tmp, ...files], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('rejects a non-integer thread count', () => {
    const r = spawnSync(process.execPath, [cli, 'bench', '--configs', 'randman', '--threads', 'x', '--dir', tmp], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--threads: expected positive integers, got x/);
  });
});
