/**
 * spikegrad dashboard over HTTP (no browser): what it serves, what it refuses (paths outside its sources, other
 * hosts, requests without the token, remote binding without the flag), that it never writes, and that a change
 * in a store reaches an open event stream.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Dashboard, startDashboard } from '../src/dashboard/server.js';
import { type DashboardFixture, HTML_ERROR, makeDashboardFixture } from './dashboard-fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-dashboard-'));
let fx: DashboardFixture;
let dash: Dashboard;

/** A raw GET (so the path and Host header go out exactly as written). */
function request(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const snapshot = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const f = path.join(e.parentPath, e.name);
      return `${path.relative(dir, f)}:${statSync(f).size}:${statSync(f).mtimeMs}`;
    })
    .sort();

beforeAll(async () => {
  fx = await makeDashboardFixture(path.join(tmp, 'fx'));
  dash = await startDashboard({ roots: [fx.dir], pollMs: 100, cacheDir: path.join(fx.dir, 'cache') });
}, 120_000);
afterAll(async () => {
  await dash?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('spikegrad dashboard (HTTP)', () => {
  it('lists the store and the run it finds, with status counts', async () => {
    const r = await request(dash.port, '/api/sources');
    expect(r.status).toBe(200);
    const sources = JSON.parse(r.body);
    const store = sources.find((s: { kind: string }) => s.kind === 'store');
    expect(store.label).toMatch(/sweeps\.sqlite$/);
    expect(store.sweeps[0]).toMatchObject({ name: fx.sweep, total: 4, counts: { done: 2, running: 1, failed: 1, pending: 0 } });
    expect(store.sweeps[0].etaSeconds).toBeGreaterThan(0);
    const runs = sources.filter((s: { kind: string }) => s.kind === 'run').map((s: { label: string }) => s.label);
    expect(runs).toContain(path.join('fx', 'runs', 'tiny'));
    // Sources carry no server paths.
    expect(r.body).not.toContain(fx.dir);
  });

  it('reads without writing: the store and run files are unchanged after every view and figure', async () => {
    // A WAL reader marks what it reads in the -shm index (shared memory, not data): SQLite does that for every
    // reader, read-only or not. The database, its WAL and the run files stay as they were.
    const files = () => snapshot(fx.dir).filter((f) => !f.startsWith('cache') && !f.includes('.sqlite-shm'));
    const before = files();
    const sources = JSON.parse((await request(dash.port, '/api/sources')).body);
    for (const s of sources) {
      await request(dash.port, s.kind === 'store' ? `/api/store?id=${s.id}` : `/api/run?id=${s.id}`);
      await request(dash.port, s.kind === 'store' ? `/api/figure.svg?kind=sweep&id=${s.id}&sweep=${fx.sweep}&figure=shape-scale` : `/api/figure.svg?kind=curves&id=${s.id}`);
    }
    expect(files()).toEqual(before);
  }, 60_000);

  it('returns trials with their error as data, and draws a heat map and learning curves as SVG', async () => {
    const sources = JSON.parse((await request(dash.port, '/api/sources')).body);
    const store = sources.find((s: { kind: string }) => s.kind === 'store');
    const view = JSON.parse((await request(dash.port, `/api/store?id=${store.id}`)).body);
    expect(view.trials.find((t: { id: string }) => t.id === fx.failed).error).toBe(HTML_ERROR);
    expect(view.sweeps[0].fields).toEqual({ 'network.surrogate.shape': ['superspike', 'sigmoid'], 'network.surrogate.scale': [1, 10] });
    // The source list's summary (aggregate queries) says what the full view (every trial row) says.
    const { fields: _fields, ...summary } = view.sweeps[0];
    expect(store.sweeps[0]).toEqual(summary);
    const heat = await request(dash.port, `/api/figure.svg?kind=sweep&id=${store.id}&sweep=${fx.sweep}&figure=shape-scale`);
    expect(heat.status).toBe(200);
    expect(heat.type).toBe('image/svg+xml');
    expect(heat.body).toMatch(/^<svg/);
    expect(heat.body).toContain('Test accuracy over surrogate scale and learning rate');
    const run = sources.find((s: { kind: string }) => s.kind === 'run');
    const curves = await request(dash.port, `/api/figure.svg?kind=curves&id=${run.id}`);
    expect(curves.status).toBe(200);
    expect(curves.body).toContain('Learning curves of');
    const filtered = await request(dash.port, `/api/figure.svg?kind=sweep&id=${store.id}&sweep=${fx.sweep}&figure=shape-scale&filter=${encodeURIComponent(JSON.stringify({ 'network.surrogate.shape': 'nope' }))}`);
    expect(filtered.status).toBe(404);
    expect(JSON.parse(filtered.body).error).toBe('no finished trials match');
  }, 60_000);

  it('serves nothing outside its sources: traversal attempts, unknown ids and files are 404', async () => {
    for (const target of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/dashboard/app.js', '/app.js/../../package.json', '/index.html', '/api/run?id=../../etc', `/api/run?id=${encodeURIComponent(fx.run)}`, '/api/figure.svg?kind=rasters&id=%2e%2e', '/node_modules/vega/package.json']) {
      const r = await request(dash.port, target);
      expect(r.status, target).toBe(404);
      expect(r.body, target).not.toMatch(/root:|"name": "spikegrad"/);
    }
    expect((await request(dash.port, '/app.js')).status).toBe(200);
  });

  it('answers loopback Host headers only (no DNS rebinding) and sends a strict content security policy', async () => {
    const evil = await request(dash.port, '/api/sources', { Host: 'attacker.example:80' });
    expect(evil.status).toBe(403);
    const page = await request(dash.port, '/', { Host: `localhost:${dash.port}` });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
  });

  it('requires the token when one is set', async () => {
    const locked = await startDashboard({ roots: [fx.dir], token: 's3cret-token' });
    try {
      expect((await request(locked.port, '/api/sources')).status).toBe(401);
      expect((await request(locked.port, '/?token=wrong')).status).toBe(401);
      expect((await request(locked.port, '/api/sources?token=s3cret-token')).status).toBe(200);
      expect((await request(locked.port, '/api/sources', { Authorization: 'Bearer s3cret-token' })).status).toBe(200);
    } finally {
      await locked.close();
    }
  });

  it('refuses a non-loopback address without --allow-remote, and warns with it', async () => {
    await expect(startDashboard({ roots: [fx.dir], host: '0.0.0.0' })).rejects.toThrow(/0\.0\.0\.0 is not a loopback address; pass --allow-remote/);
    const cli = path.join(root, 'dist', 'cli', 'main.js');
    const child = spawn(process.execPath, [cli, 'dashboard', fx.dir, '--host', '0.0.0.0', '--port', '0', '--allow-remote', '--token'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      const check = setInterval(() => {
        if (/\?token=[\w-]{20,}/.test(out)) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 50);
    });
    child.kill('SIGINT');
    expect(out).toMatch(/WARNING: listening on 0\.0\.0\.0, reachable from other machines; every request needs the token/);
  });

  it('pushes a change event when a trial finishes, and never writes to what it watches', async () => {
    const before = snapshot(path.join(fx.dir, 'runs'));
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: dash.port, path: '/api/events', headers: { Host: '127.0.0.1' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d) => events.push(d));
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await fx.finishRunning();
      const until = Date.now() + 10_000;
      while (!events.join('').includes('event: change') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(events.join('')).toMatch(/event: change\ndata: \{"id":"[0-9a-f]{12}"/);
      const sources = JSON.parse((await request(dash.port, '/api/sources')).body);
      expect(sources.find((s: { kind: string }) => s.kind === 'store').sweeps[0].counts).toMatchObject({ done: 3, running: 0 });
    } finally {
      req.destroy();
    }
    expect(snapshot(path.join(fx.dir, 'runs'))).toEqual(before);
  }, 60_000);
});
