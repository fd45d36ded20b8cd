/**
 * safetensors (the format of Hugging Face's `safetensors` package, read by its Python and Rust libraries and by
 * numpy in a few lines): an unsigned 64-bit little-endian header length N, N bytes of JSON header, then the data
 * buffer. The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the
 * data buffer) and may hold `__metadata__`, a map of strings to strings. Tensors are little-endian, C order,
 * contiguous; the buffer is entirely covered, without holes or overlaps. The header is padded with spaces to a
 * multiple of 8 bytes, as the reference writer does, so every tensor starts 8-byte aligned.
 *
 * spikegrad writes float32 tensors and reads every dtype the format defines, converting to float32 only where it
 * is exact (F16, BF16, F32; F64 and integers are refused for weights rather than rounded silently).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';

import { writeFileAtomic } from '../util/atomic-write.js';

/** Element sizes of the dtypes the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** A header larger than this is not a weights file (the reference reader's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** A safetensors file that cannot be read or trusted; the message names the file and the tensor. */
export class SafetensorsError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** The contents of a safetensors file: tensors as float32 with their shapes and file dtypes, and the metadata. */
export interface SafetensorsFile {
  /** Every tensor as float32, with its shape and its dtype in the file. */
  tensors: Record<string, { shape: number[]; dtype: string; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** Writes float32 tensors (in the given order) and string metadata, atomically. */
export function writeSafetensors(file: string, tensors: Record<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new Error('"__metadata__" cannot name a tensor');
    const count = t.shape.reduce((n, d) => n * d, 1);
    if (count !== t.data.length) throw new Error(`tensor ${name}: shape [${t.shape.join(', ')}] holds ${count} values, the data ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const chunks: Uint8Array[] = [length, json];
  for (const t of Object.values(tensors)) chunks.push(littleEndianBytes(t.data));
  writeFileAtomic(file, chunks);
}

/** Reads and checks a safetensors file; every problem is a SafetensorsError naming the file and the tensor. */
export function readSafetensors(file: string): SafetensorsFile {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new SafetensorsError(file, 'is a directory, not a safetensors file');
    size = stat.size;
  } catch (err) {
    if (err instanceof SafetensorsError) throw err;
    throw new SafetensorsError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (size < 8) throw new SafetensorsError(file, `not a safetensors file (${size} bytes, shorter than the 8-byte header length)`);
  const fd = openSync(file, 'r');
  try {
    const lengthBytes = Buffer.alloc(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = lengthBytes.readBigUInt64LE();
    if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
      throw new SafetensorsError(file, `not a safetensors file (header length ${headerLength} does not fit in its ${size} bytes)`);
    }
    const n = Number(headerLength);
    const headerBytes = Buffer.alloc(n);
    readSync(fd, headerBytes, 0, n, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch {
      throw new SafetensorsError(file, 'not a safetensors file (its header is not JSON)');
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(file, 'the header is not a JSON object');
    const dataStart = 8 + n;
    const dataLength = size - dataStart;
    const metadata: Record<string, string> = {};
    const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SafetensorsError(file, '__metadata__ must map strings to strings');
        for (const [k, v] of Object.entries(value)) {
          if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__.${k}: expected a string, got ${typeof v}`);
          metadata[k] = v;
        }
        continue;
      }
      entries.push(checkEntry(file, name, value, dataLength));
    }
    // The buffer must be covered exactly: sorted by offset, each starting where the last ended.
    entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
    let at = 0;
    for (const e of entries) {
      if (e.begin !== at) throw new SafetensorsError(file, `tensor ${e.name}: data_offsets start at ${e.begin}, expected ${at} (tensors may neither overlap nor leave holes)`);
      at = e.end;
    }
    if (at !== dataLength) throw new SafetensorsError(file, `the tensors cover ${at} bytes of a ${dataLength}-byte data buffer`);
    const tensors: SafetensorsFile['tensors'] = {};
    for (const e of entries) {
      const bytes = Buffer.alloc(e.end - e.begin);
      if (bytes.length > 0) readSync(fd, bytes, 0, bytes.length, dataStart + e.begin);
      tensors[e.name] = { shape: e.shape, dtype: e.dtype, data: toFloat32(file, e.name, e.dtype, bytes) };
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

function checkEntry(file: string, name: string, value: unknown, dataLength: number) {
  const fail = (message: string): never => {
    throw new SafetensorsError(file, `tensor ${name}: ${message}`);
  };
  if (value === null || typeof value !== 'object') return fail('expected { dtype, shape, data_offsets }');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || DTYPE_BYTES[dtype] === undefined) return fail(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail('shape: expected an array of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) return fail('data_offsets: expected [begin, end] byte offsets');
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > dataLength) return fail(`data_offsets [${begin}, ${end}] lie outside the ${dataLength}-byte data buffer`);
  const count = (shape as number[]).reduce((n, d) => n * d, 1);
  if (count * DTYPE_BYTES[dtype] !== end - begin) return fail(`shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${count * DTYPE_BYTES[dtype]} bytes, data_offsets give ${end - begin}`);
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Values of a tensor as float32, where that is exact. */
function toFloat32(file: string, name: string, dtype: string, bytes: Buffer): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  if (dtype === 'BF16') {
    const out = new Float32Array(bytes.length / 2);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
    return out;
  }
  if (dtype === 'F16') {
    const out = new Float32Array(bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    return out;
  }
  throw new SafetensorsError(file, `tensor ${name}: dtype ${dtype} is not float32-exact (spikegrad reads F32, F16 and BF16 weights)`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (os.endianness() === 'LE') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}
