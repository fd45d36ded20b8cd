/**
 * On-disk cache of preprocessed data sets. The key holds every preprocessing parameter, the identity (path, size,
 * modification time) of every source file and the format version, so changing any of them never reuses a stale
 * entry. A file is checked (magic, version, key, lengths, SHA-256 of the whole content) before it is trusted;
 * a corrupt one is rebuilt. Files are written atomically.
 *
 * Layout: "SPKGRDS1", uint32 header length, header JSON, then per split the arrays offsets (f64), times, units
 * (u16 or i32), labels (i32), groups (i32, optional) of an event split, or values (f32 [size][steps][inputs]),
 * labels, groups of an analog split (header `kind: 'analog'`), each padded to 8 bytes; last the SHA-256 of all
 * before it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';
import { stableStringify } from '../util/stable-json.js';
import { AnalogDataset, type AnyDataset, EventDataset, type IndexArray } from './dataset.js';

const MAGIC = 'SPKGRDS1';
export const CACHE_FORMAT_VERSION = 1;

/** The data set cache directory: $SPIKEGRAD_CACHE, else $XDG_CACHE_HOME/spikegrad, else ~/.cache/spikegrad. */
export function defaultCacheDir(): string {
  if (process.env.SPIKEGRAD_CACHE) return process.env.SPIKEGRAD_CACHE;
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'spikegrad');
}

/** Identity of a source file for cache keys. */
export function fileIdentity(file: string): { path: string; size: number; mtimeMs: number } {
  const s = statSync(file);
  return { path: path.resolve(file), size: s.size, mtimeMs: Math.round(s.mtimeMs) };
}

export interface CachedSplits {
  splits: Record<string, AnyDataset>;
  extra: Record<string, unknown>;
}

export function cacheKeyHash(key: unknown): string {
  return createHash('sha256').update(stableStringify({ format: CACHE_FORMAT_VERSION, key })).digest('hex').slice(0, 24);
}

export function cacheFileFor(dir: string, name: string, key: unknown): string {
  return path.join(dir, `${name}-${cacheKeyHash(key)}.sgds`);
}

interface SplitHeader {
  split: string;
  /** Absent in event splits (and in files written before analog splits existed). */
  kind?: 'analog';
  name: string;
  size: number;
  events: number;
  classes: number;
  inputs: number;
  steps: number;
  classNames?: string[];
  times: 'u16' | 'i32';
  units: 'u16' | 'i32';
  groups: boolean;
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function writeCache(file: string, key: unknown, content: CachedSplits): void {
  const headers: SplitHeader[] = [];
  const sections: ArrayBufferView[] = [];
  for (const [split, d] of Object.entries(content.splits)) {
    const common = { split, name: d.name, size: d.size, classes: d.classes, inputs: d.inputs, steps: d.steps, classNames: d.classNames ? [...d.classNames] : undefined, groups: d.groups !== undefined };
    if (d.kind === 'analog') {
      headers.push({ ...common, kind: 'analog', events: 0, times: 'i32', units: 'i32' });
      sections.push(d.values, d.labels);
    } else {
      headers.push({ ...common, events: d.eventCount, times: d.times instanceof Uint16Array ? 'u16' : 'i32', units: d.units instanceof Uint16Array ? 'u16' : 'i32' });
      sections.push(d.offsets, d.times, d.units, d.labels);
    }
    if (d.groups) sections.push(d.groups);
  }
  const header = Buffer.from(JSON.stringify({ version: CACHE_FORMAT_VERSION, keyHash: cacheKeyHash(key), key, splits: headers, extra: content.extra }));
  const prefix = Buffer.alloc(pad8(MAGIC.length + 4 + header.length));
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.length, MAGIC.length);
  header.copy(prefix, MAGIC.length + 4);
  const chunks: Uint8Array[] = [prefix];
  const hash = createHash('sha256').update(prefix);
  for (const s of sections) {
    const bytes = bytesOf(s);
    const padding = new Uint8Array(pad8(bytes.length) - bytes.length);
    chunks.push(bytes, padding);
    hash.update(bytes).update(padding);
  }
  chunks.push(hash.digest());
  writeFileAtomic(file, chunks);
}

/** The cached splits, or null when the file is missing; throws CacheCorrupt when it cannot be trusted. */
export function readCache(file: string, key: unknown): CachedSplits | null {
  if (!existsSync(file)) return null;
  const corrupt = (why: string) => new CacheCorrupt(file, why);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw corrupt(`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (buf.length < MAGIC.length + 4 + 32 || buf.toString('ascii', 0, MAGIC.length) !== MAGIC) throw corrupt('bad magic or too short');
  const digest = createHash('sha256').update(buf.subarray(0, buf.length - 32)).digest();
  if (!digest.equals(buf.subarray(buf.length - 32))) throw corrupt('checksum mismatch');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  let header: { version: number; keyHash: string; splits: SplitHeader[]; extra: Record<string, unknown> };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength));
  } catch {
    throw corrupt('unreadable header');
  }
  if (header.version !== CACHE_FORMAT_VERSION) throw corrupt(`format version ${header.version}, expected ${CACHE_FORMAT_VERSION}`);
  if (header.keyHash !== cacheKeyHash(key)) throw corrupt('built for other parameters');
  let at = pad8(MAGIC.length + 4 + headerLength);
  const end = buf.length - 32;
  const take = <T extends ArrayBufferView>(Ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number): T => {
    const bytes = count * Ctor.BYTES_PER_ELEMENT;
    if (at + bytes > end) throw corrupt('truncated arrays');
    // Copy into a fresh, aligned buffer.
    const out = new Ctor(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes) as ArrayBuffer);
    at += pad8(bytes);
    return out;
  };
  const splits: Record<string, AnyDataset> = {};
  for (const h of header.splits) {
    try {
      // The split's own arrays, then the labels and groups both kinds have.
      const indexArray = (type: 'u16' | 'i32'): IndexArray => (type === 'u16' ? take(Uint16Array, h.events) : take(Int32Array, h.events));
      const values = h.kind === 'analog' ? take(Float32Array, h.size * h.steps * h.inputs) : null;
      const events = values ? null : { offsets: take(Float64Array, h.size + 1), times: indexArray(h.times), units: indexArray(h.units) };
      const labels = take(Int32Array, h.size);
      const groups = h.groups ? take(Int32Array, h.size) : undefined;
      const common = { name: h.name, classes: h.classes, inputs: h.inputs, steps: h.steps, labels, classNames: h.classNames, groups };
      splits[h.split] = values ? new AnalogDataset({ ...common, values }) : new EventDataset({ ...common, ...events! });
    } catch (err) {
      throw err instanceof CacheCorrupt ? err : corrupt((err as Error).message);
    }
  }
  if (at !== end) throw corrupt('unexpected trailing data');
  return { splits, extra: header.extra ?? {} };
}

export class CacheCorrupt extends Error {
  constructor(file: string, why: string) {
    super(`${file}: corrupt cache file (${why})`);
    this.name = 'CacheCorrupt';
  }
}
