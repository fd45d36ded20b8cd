/**
 * What the dashboard shows: sweep stores (SQLite files) and run directories (spikegrad train --out), found under
 * the paths it was given. Each gets an id derived from its resolved path, and the page refers to sources only by
 * id: no path from a request is ever opened.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

import { CHECKPOINT_FILE, METRICS_FILE, RESULTS_FILE } from '../train/run.js';
import { ConfigError } from '../util/errors.js';

export interface Source {
  id: string;
  kind: 'store' | 'run';
  /** Resolved path (server side only; the page gets `label`). */
  path: string;
  /** The path relative to the root it was found under. */
  label: string;
}

const STORE_EXTENSIONS = ['.sqlite', '.sqlite3', '.db'];
const MAX_DEPTH = 4;
const SKIP = new Set(['node_modules', '.git']);

/** A directory written by spikegrad train: it holds a checkpoint or a metrics log. */
export function isRunDir(dir: string): boolean {
  return existsSync(path.join(dir, CHECKPOINT_FILE)) || existsSync(path.join(dir, METRICS_FILE));
}

function isStoreFile(file: string): boolean {
  if (!STORE_EXTENSIONS.includes(path.extname(file))) return false;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.toString('latin1').startsWith('SQLite format 3');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const idOf = (kind: string, file: string) => createHash('sha256').update(`${kind}\0${file}`).digest('hex').slice(0, 12);

/** Checks that every given path exists (a typo should fail at start, not show an empty page). */
export function checkRoots(roots: string[]): string[] {
  const issues = roots.filter((r) => !existsSync(r)).map((r) => ({ path: 'paths', message: `${r} does not exist` }));
  if (issues.length > 0) throw new ConfigError('dashboard', issues);
  return roots.map((r) => path.resolve(r));
}

/** Every store and run directory at or under the roots (directories to a depth of 4), in a stable order. */
export function discoverSources(roots: string[]): Source[] {
  const found = new Map<string, Source>();
  const add = (kind: Source['kind'], file: string, root: string) => {
    const id = idOf(kind, file);
    if (!found.has(id)) found.set(id, { id, kind, path: file, label: path.relative(path.dirname(root), file) || path.basename(file) });
  };
  const walk = (dir: string, root: string, depth: number) => {
    if (isRunDir(dir)) add('run', dir, root);
    if (depth >= MAX_DEPTH) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, root, depth + 1);
      else if (e.isFile() && isStoreFile(full)) add('store', full, root);
    }
  };
  for (const root of roots) {
    if (!existsSync(root)) continue;
    if (statSync(root).isDirectory()) walk(root, root, 0);
    else if (isStoreFile(root)) add('store', root, root);
  }
  return [...found.values()];
}

/**
 * A fingerprint that changes whenever a source's content may have: sizes and modification times of the files
 * that change (a store's database and WAL; a run's metrics, checkpoint and results).
 */
export function sourceVersion(source: Source): string {
  const files = source.kind === 'store' ? [source.path, `${source.path}-wal`] : [METRICS_FILE, CHECKPOINT_FILE, RESULTS_FILE].map((f) => path.join(source.path, f));
  return files
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}
