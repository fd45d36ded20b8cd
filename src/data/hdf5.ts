/**
 * Reading the Spiking Heidelberg Datasets' HDF5 layout with h5wasm (HDF5 compiled to WebAssembly, from npm):
 * it installs with `npm ci` on any machine, with no system library or compiler. h5wasm's JavaScript layer
 * rejects float16 (SHD stores spike times as variable-length float16), so variable-length numeric datasets are
 * read here through its module interface: HDF5 fills hvl_t records in the WebAssembly heap and we decode the
 * element bytes ourselves (float16/32/64, integers of any width, either byte order in the file), a chunk of samples at a
 * time, so a file's events never sit in memory as doubles all at once.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

import type { Dataset, File as H5File } from 'h5wasm/node';
import { importOptional } from '../util/optional.js';

// h5wasm (its WebAssembly heap, ~25 MB) is loaded when the first HDF5 file is opened, not when spikegrad is imported.
type H5wasm = typeof import('h5wasm/node');
let lib: H5wasm | undefined;

/** The loaded h5wasm; every caller holds a file from openHdf5, which loads it. */
function h5(): H5wasm {
  if (lib === undefined) throw new Error('h5wasm used before openHdf5 loaded it');
  return lib;
}

export class Hdf5Error extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'Hdf5Error';
  }
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
let ready: Promise<void> | undefined;

function init(): Promise<void> {
  ready ??= importOptional('h5wasm', 'HDF5 files (SHD, SSC, NIR)', () => import('h5wasm/node')).then(async (loaded) => {
    await loaded.default.ready;
    lib = loaded;
    // Turn HDF5's error stack into thrown errors instead of diagnostics printed on stderr.
    loaded.Module.activate_throwing_error_handler();
  });
  return ready;
}

/** An error from inside h5wasm as an Hdf5Error naming the file, with the most specific line of HDF5's stack. */
export function asHdf5Error(file: string, err: unknown): Error {
  if (err instanceof Hdf5Error || !(err instanceof Error)) return err as Error;
  if (err.message.startsWith(`${file}:`)) return err;
  return new Hdf5Error(file, `cannot read: ${hdf5Reason(err)}`);
}

/** The last, most specific line of an HDF5 error stack. */
function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('#'));
  const last = lines.at(-1);
  return last ? last.replace(/^#\d+: .*?\): /, '') : text;
}

/** Opens an HDF5 file read-only, with clear errors for a missing, foreign or truncated file. */
export async function openHdf5(path: string): Promise<H5File> {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new Hdf5Error(path, 'is a directory, not an HDF5 file');
    size = stat.size;
  } catch (err) {
    if (err instanceof Hdf5Error) throw err;
    throw new Hdf5Error(path, 'file not found');
  }
  // HDF5 looks for its signature at 0, 512, 1024, ... (a user block may precede it).
  const fd = openSync(path, 'r');
  try {
    let found = false;
    const head = new Uint8Array(8);
    for (let offset = 0; offset + 8 <= size && offset <= 1 << 20 && !found; offset = offset === 0 ? 512 : offset * 2) {
      readSync(fd, head, 0, 8, offset);
      found = HDF5_SIGNATURE.every((b, i) => head[i] === b);
    }
    if (!found) throw new Hdf5Error(path, 'not an HDF5 file (no HDF5 signature)');
  } finally {
    closeSync(fd);
  }
  await init();
  try {
    return new (h5().default.File)(path, 'r');
  } catch (err) {
    throw new Hdf5Error(path, `cannot open: ${hdf5Reason(err)}`);
  }
}

/** The group or dataset at `name`; an HDF5 failure becomes an Hdf5Error naming the file and the path. */
function getNode(file: H5File, name: string): unknown {
  try {
    return file.get(name);
  } catch (err) {
    throw new Hdf5Error(file.filename, `cannot read ${name}: ${hdf5Reason(err)}`);
  }
}

/** The dataset at `name`, or an error saying what is missing. */
export function requireDataset(file: H5File, name: string): Dataset {
  const node = getNode(file, name);
  if (!(node instanceof h5().Dataset)) throw new Hdf5Error(file.filename, `expected a dataset at ${name}`);
  return node;
}

/** A plain (fixed-size) dataset as numbers, or strings for string datasets. */
export function readPlain(file: H5File, name: string): number[] | string[] {
  const ds = requireDataset(file, name);
  try {
    const v = ds.value as unknown;
    if (typeof v === 'bigint') return [Number(v)];
    if (typeof v === 'number' || typeof v === 'string') return [v as never];
    const out = Array.from(v as ArrayLike<number | bigint | string>, (x) => (typeof x === 'bigint' ? Number(x) : x));
    return out as number[] | string[];
  } catch (err) {
    throw new Hdf5Error(file.filename, `cannot read ${name}: ${hdf5Reason(err)}`);
  }
}

interface ElementType {
  float: boolean;
  size: number;
  signed: boolean;
  littleEndian: boolean;
}

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_VLEN = 9;

function vlenElementType(file: H5File, ds: Dataset, name: string): ElementType {
  const m = ds.metadata as unknown as {
    type: number;
    shape: number[] | null;
    vlen_type?: { type: number; size: number; signed: boolean };
  };
  if (m.type !== H5T_VLEN || !m.vlen_type) throw new Hdf5Error(file.filename, `${name}: expected variable-length arrays`);
  if (!m.shape || m.shape.length !== 1) throw new Hdf5Error(file.filename, `${name}: expected one variable-length array per sample`);
  const t = m.vlen_type;
  const numeric = (t.type === H5T_FLOAT && [2, 4, 8].includes(t.size)) || (t.type === H5T_INTEGER && [1, 2, 4, 8].includes(t.size));
  if (!numeric) throw new Hdf5Error(file.filename, `${name}: unsupported element type (class ${t.type}, ${t.size} bytes)`);
  // h5wasm reads with a little-endian memory type (it calls H5Tset_order(memtype, H5T_ORDER_LE)), so HDF5 has
  // already converted big-endian files: the heap bytes are little-endian whatever the file's order.
  return { float: t.type === H5T_FLOAT, size: t.size, signed: t.signed, littleEndian: true };
}

/** IEEE 754 half precision to double. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function decode(bytes: DataView, offset: number, count: number, t: ElementType, out: Float64Array): void {
  const le = t.littleEndian;
  for (let j = 0; j < count; j++) {
    const at = offset + j * t.size;
    let v: number;
    if (t.float) {
      v = t.size === 2 ? float16ToNumber(bytes.getUint16(at, le)) : t.size === 4 ? bytes.getFloat32(at, le) : bytes.getFloat64(at, le);
    } else if (t.size === 1) {
      v = t.signed ? bytes.getInt8(at) : bytes.getUint8(at);
    } else if (t.size === 2) {
      v = t.signed ? bytes.getInt16(at, le) : bytes.getUint16(at, le);
    } else if (t.size === 4) {
      v = t.signed ? bytes.getInt32(at, le) : bytes.getUint32(at, le);
    } else {
      v = Number(t.signed ? bytes.getBigInt64(at, le) : bytes.getBigUint64(at, le));
    }
    out[j] = v;
  }
}

/** Number of entries (samples) of a 1-d dataset. */
export function datasetLength(file: H5File, name: string): number {
  const shape = requireDataset(file, name).shape;
  if (!shape || shape.length !== 1) throw new Hdf5Error(file.filename, `${name}: expected a 1-d dataset`);
  return shape[0];
}

/**
 * Calls `visit(sample, values)` for each entry of a 1-d variable-length numeric dataset, in order. `values` is
 * reused between calls: copy what you keep.
 */
export function forEachVlen(
  file: H5File,
  name: string,
  visit: (sample: number, values: Float64Array, length: number) => void,
  chunk = 1024,
): void {
  const ds = requireDataset(file, name);
  const type = vlenElementType(file, ds, name);
  const n = datasetLength(file, name);
  const { Module } = h5();
  let scratch = new Float64Array(1024);
  // An hvl_t is { size_t length; void* pointer } = 8 bytes in 32-bit WebAssembly.
  const recordBytes = 8;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const pointer = Module._malloc(count * recordBytes);
    if (!pointer) throw new Hdf5Error(file.filename, 'out of WebAssembly memory');
    const countArg = [BigInt(count)];
    let filled = false;
    try {
      try {
        Module.get_dataset_data(ds.file_id, ds.path, countArg, [BigInt(start)], [1n], BigInt(pointer));
        filled = true;
      } catch (err) {
        throw new Hdf5Error(file.filename, `cannot read ${name}[${start}..${start + count}): ${hdf5Reason(err)}`);
      }
      for (let j = 0; j < count; j++) {
        // Re-read the heap view each record: HDF5 may have grown the memory.
        const heap = Module.HEAPU8;
        const records = new DataView(heap.buffer, pointer, count * recordBytes);
        const length = records.getUint32(j * recordBytes, true);
        const data = records.getUint32(j * recordBytes + 4, true);
        if (length > scratch.length) scratch = new Float64Array(Math.max(length, 2 * scratch.length));
        if (length > 0) decode(new DataView(heap.buffer, data, length * type.size), 0, length, type, scratch);
        visit(start + j, scratch, length);
      }
    } finally {
      if (filled) Module.reclaim_vlen_memory_count(ds.file_id, ds.path, '', BigInt(pointer), countArg);
      Module._free(pointer);
    }
  }
}

/** Creates (or truncates) an HDF5 file for writing. */
export async function createHdf5(path: string): Promise<H5File> {
  await init();
  try {
    return new (h5().default.File)(path, 'w');
  } catch (err) {
    throw new Hdf5Error(path, `cannot create: ${hdf5Reason(err)}`);
  }
}

/** A group's or dataset's contents as a plain tree: groups become objects, datasets { shape, value }. */
export type Hdf5Tree = { [key: string]: Hdf5Tree | Hdf5Value };
export interface Hdf5Value {
  shape: number[];
  /** Numbers (integers and floats alike) or strings, flattened in C order. */
  value: number[] | string[];
}

export function isHdf5Value(node: Hdf5Tree | Hdf5Value): node is Hdf5Value {
  return Array.isArray((node as Hdf5Value).shape) && Array.isArray((node as Hdf5Value).value);
}

/** Reads the group at `name` and everything below it. */
export function readTree(file: H5File, name = '/'): Hdf5Tree {
  const node = getNode(file, name);
  if (!(node instanceof h5().Group)) throw new Hdf5Error(file.filename, `expected a group at ${name}`);
  return groupTree(file, node, name);
}

function groupTree(file: H5File, group: { keys(): string[] }, name: string): Hdf5Tree {
  const out: Hdf5Tree = {};
  for (const key of group.keys()) {
    const child = `${name === '/' ? '' : name}/${key}`;
    const item = getNode(file, child);
    if (item instanceof h5().Group) out[key] = groupTree(file, item, child);
    else if (item instanceof h5().Dataset) out[key] = { shape: (item.shape ?? []) as number[], value: readPlain(file, child) };
  }
  return out;
}
