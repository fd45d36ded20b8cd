/**
 * `spikegrad dashboard`: an HTTP server (node:http) over sweep stores and run directories, read-only, with a page
 * (dashboard/ at the package root: plain HTML, CSS and JavaScript, no build step), JSON views, figures rendered
 * to SVG on the server by the same recipes as `spikegrad report`, and server-sent events when a source changes.
 *
 * Security: loopback by default, and then only Host headers naming loopback (no DNS rebinding); another address
 * only with `allowRemote`; an optional token required on every request; the page names sources by id, so no path
 * in a request is ever opened; the static files are a fixed list. Figures go to the page as images, so nothing in
 * them can run; everything else is inserted as text.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FIGURES } from '../report/report.js';
import { toSvg } from '../report/render.js';
import { learningCurvesFigure, runRastersFigure } from '../report/run-figures.js';
import { readCheckpoint } from '../io/checkpoint.js';
import { CHECKPOINT_FILE } from '../train/run.js';
import { discoverSources, type Source, sourceVersion } from './sources.js';
import { runView, storeSummary, storeView, trialView, withStore } from './views.js';

/** Options of `startDashboard`. */
export interface DashboardOptions {
  /** Stores, run directories, or directories to search for them. */
  roots: string[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Required for any host that is not loopback. */
  allowRemote?: boolean;
  /** When set, every request must carry it (`Authorization: Bearer <token>` or `?token=`). */
  token?: string;
  /** Dataset cache for run rasters. */
  cacheDir?: string;
  /** How often sources are checked for changes, ms (default 1000). */
  pollMs?: number;
}

/** A running dashboard: its address and how to stop it. */
export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Renders SVGs once per source version. */
class SvgCache {
  private readonly entries = new Map<string, Promise<string>>();
  get(key: string, make: () => Promise<string>): Promise<string> {
    let hit = this.entries.get(key);
    if (!hit) {
      hit = make();
      hit.catch(() => this.entries.delete(key));
      this.entries.set(key, hit);
      if (this.entries.size > 200) this.entries.delete(this.entries.keys().next().value!);
    }
    return hit;
  }
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.allowRemote) {
    throw new Error(`dashboard: ${host} is not a loopback address; pass --allow-remote to serve other machines (and --token to require a token)`);
  }
  let sources = discoverSources(options.roots);
  let versions = new Map(sources.map((s) => [s.id, sourceVersion(s)]));
  const svgs = new SvgCache();
  const clients = new Set<http.ServerResponse>();
  const find = (id: string | null, kind?: Source['kind']): Source => {
    const s = sources.find((x) => x.id === id && (kind === undefined || x.kind === kind));
    if (!s) throw new HttpError(404, `no ${kind ?? 'source'} with id ${JSON.stringify(id)}`);
    return s;
  };

  const authorized = (req: http.IncomingMessage, url: URL): boolean => {
    if (options.token === undefined) return true;
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? '');
    const a = Buffer.from(given);
    const b = Buffer.from(options.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const summary = (s: Source) => {
    try {
      if (s.kind === 'store') {
        return { id: s.id, kind: s.kind, label: s.label, version: versions.get(s.id), sweeps: storeSummary(s) };
      }
      const r = runView(s);
      return { id: s.id, kind: s.kind, label: s.label, version: versions.get(s.id), status: r.status, epochs: r.epochs, plannedEpochs: r.plannedEpochs, testAccuracy: (r.results as { test?: { accuracy?: number } } | null)?.test?.accuracy ?? null };
    } catch (err) {
      return { id: s.id, kind: s.kind, label: s.label, version: versions.get(s.id), error: (err as Error).message };
    }
  };

  const figure = async (url: URL): Promise<string> => {
    const params = url.searchParams;
    const kind = params.get('kind');
    const source = find(params.get('id'));
    const version = versions.get(source.id) ?? '';
    if (kind === 'curves') {
      const trialId = params.get('trial');
      return svgs.get(`${source.id}|curves|${trialId}|${version}`, async () => {
        if (source.kind === 'run') {
          const r = runView(source);
          if (r.history.length === 0) throw new HttpError(404, 'no epoch has finished yet');
          const cfg = r.config as { dataset?: { name?: string }; seed?: number } | null;
          return toSvg(learningCurvesFigure(r.history, `Learning curves of ${source.label}`, `${cfg?.dataset?.name ?? ''}, ${r.epochs}${r.plannedEpochs ? ` of ${r.plannedEpochs}` : ''} epochs${cfg?.seed !== undefined ? `, seed ${cfg.seed}` : ''}`).spec);
        }
        const t = trialView(source, trialId ?? '');
        if (!t) throw new HttpError(404, `no trial ${JSON.stringify(trialId)}`);
        if (t.history.length === 0) throw new HttpError(404, 'no epoch has finished yet');
        return toSvg(learningCurvesFigure(t.history, `Learning curves of trial ${t.id}`, `${t.sweep}: ${Object.entries(t.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`).spec);
      });
    }
    if (kind === 'rasters') {
      if (source.kind !== 'run') throw new HttpError(400, 'rasters are drawn for run directories');
      return svgs.get(`${source.id}|rasters|${version}`, async () => toSvg((await runRastersFigure(readCheckpoint(path.join(source.path, CHECKPOINT_FILE)), options.cacheDir)).spec));
    }
    if (kind === 'sweep') {
      const sweep = params.get('sweep') ?? '';
      const name = params.get('figure') ?? '';
      const recipe = FIGURES.find((f) => f.name === name);
      if (!recipe || source.kind !== 'store') throw new HttpError(404, `no figure ${JSON.stringify(name)}`);
      let filter: Record<string, unknown> = {};
      try {
        filter = JSON.parse(params.get('filter') ?? '{}') as Record<string, unknown>;
      } catch {
        throw new HttpError(400, 'filter: expected a JSON object of swept field values');
      }
      return svgs.get(`${source.id}|${sweep}|${name}|${JSON.stringify(filter)}|${version}`, () =>
        withStore(source, async (store) => {
          const rows = store.trials(sweep).filter((t) => t.status === 'done' && Object.entries(filter).every(([k, v]) => JSON.stringify(t.overrides[k]) === JSON.stringify(v)));
          if (rows.length === 0) throw new HttpError(404, 'no finished trials match');
          const built = await recipe.build(rows, { store, cacheDir: options.cacheDir });
          if (!built) throw new HttpError(404, 'the trials hold nothing this figure shows');
          return toSvg(built.spec);
        }),
      );
    }
    throw new HttpError(400, 'kind: expected curves, rasters or sweep');
  };

  const api = async (url: URL): Promise<unknown> => {
    const p = url.searchParams;
    switch (url.pathname) {
      case '/api/sources':
        return sources.map(summary);
      case '/api/store':
        return storeView(find(p.get('id'), 'store'));
      case '/api/trial': {
        const t = trialView(find(p.get('id'), 'store'), p.get('trial') ?? '');
        if (!t) throw new HttpError(404, `no trial ${JSON.stringify(p.get('trial'))}`);
        return t;
      }
      case '/api/run':
        return runView(find(p.get('id'), 'run'));
      default:
        throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    }
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer, policy = PAGE_POLICY) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': policy, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
      res.end(body);
    };
    const fail = (err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) send(status, 'application/json', JSON.stringify({ error: (err as Error).message }));
      else res.end();
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET');
      const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (isLoopback(host) && !isLoopback(hostHeader)) throw new HttpError(403, 'this dashboard answers requests for localhost only');
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!authorized(req, url)) throw new HttpError(401, 'a valid token is required (?token= or Authorization: Bearer)');
      const asset = ASSETS[url.pathname];
      if (asset) return send(200, asset.type, readFileSync(path.join(ASSETS_DIR, asset.file)));
      if (url.pathname === '/api/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Content-Type-Options': 'nosniff' });
        res.write('retry: 2000\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (url.pathname === '/api/figure.svg') {
        figure(url).then((svg) => send(200, 'image/svg+xml', svg, "default-src 'none'; style-src 'unsafe-inline'"), fail);
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        api(url).then((body) => send(200, 'application/json', JSON.stringify(body)), fail);
        return;
      }
      throw new HttpError(404, 'not found');
    } catch (err) {
      fail(err);
    }
  });

  // Change detection: every poll compares each source's file sizes and times; every fifth also looks for new
  // sources. A change goes to every open page as an event naming the source.
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    if (ticks % 5 === 0) {
      const next = discoverSources(options.roots);
      if (next.map((s) => s.id).join() !== sources.map((s) => s.id).join()) {
        sources = next;
        for (const c of clients) c.write('event: sources\ndata: {}\n\n');
      }
    }
    const next = new Map(sources.map((s) => [s.id, sourceVersion(s)]));
    for (const [id, v] of next) {
      if (versions.get(id) !== v) for (const c of clients) c.write(`event: change\ndata: ${JSON.stringify({ id, version: v })}\n\n`);
    }
    versions = next;
    if (ticks % 15 === 0) for (const c of clients) c.write(': keep-alive\n\n');
  }, options.pollMs ?? 1000);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const c of clients) c.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
