/**
 * numpy's .npz archives (np.savez, np.savez_compressed) and the .npy arrays inside them, for inputs from Python:
 * a zip archive (stored or deflated members, no ZIP64) of .npy files, each a magic string, a version, a header
 * dict ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}) and the raw C-order data. Read with the zip
 * central directory and node:zlib; every problem is an NpzError naming the file and the member.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** An .npz or .npy file that cannot be read; the message names the file and the member. */
export class NpzError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'NpzError';
  }
}

/** One array: its shape and its values as numbers (every integer and float dtype numpy writes, up to 2^53). */
export interface NpyArray {
  shape: number[];
  dtype: string;
  data: Float64Array;
}

const DTYPES: Record<string, [number, (v: DataView, at: number, little: boolean) => number]> = {
  b1: [1, (v, at) => v.getUint8(at)],
  u1: [1, (v, at) => v.getUint8(at)],
  i1: [1, (v, at) => v.getInt8(at)],
  u2: [2, (v, at, l) => v.getUint16(at, l)],
  i2: [2, (v, at, l) => v.getInt16(at, l)],
  u4: [4, (v, at, l) => v.getUint32(at, l)],
  i4: [4, (v, at, l) => v.getInt32(at, l)],
  u8: [8, (v, at, l) => Number(v.getBigUint64(at, l))],
  i8: [8, (v, at, l) => Number(v.getBigInt64(at, l))],
  f4: [4, (v, at, l) => v.getFloat32(at, l)],
  f8: [8, (v, at, l) => v.getFloat64(at, l)],
};

/** Parses one .npy file's bytes. */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${where}: not a .npy array`);
  const major = buf[6];
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > buf.length) throw new Error(`${where}: truncated .npy header`);
  const header = buf.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shapeText) throw new Error(`${where}: cannot read the .npy header ${JSON.stringify(header.slice(0, 80))}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${where}: Fortran-order arrays are not supported (save with np.ascontiguousarray)`);
  const kind = DTYPES[descr[2]];
  if (!kind) throw new Error(`${where}: dtype ${descr[1]}${descr[2]} is not supported (integers, floats and booleans are)`);
  const shape = shapeText[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${where}: bad shape (${shapeText[1]})`);
  const count = shape.reduce((n, d) => n * d, 1);
  const [size, read] = kind;
  const dataStart = start + headerLength;
  if (dataStart + count * size > buf.length) throw new Error(`${where}: the data holds ${buf.length - dataStart} bytes, the shape needs ${count * size}`);
  const view = new DataView(buf.buffer, buf.byteOffset + dataStart, count * size);
  const little = descr[1] !== '>';
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(view, i * size, little);
  return { shape, dtype: `${descr[1]}${descr[2]}`, data };
}

/** Every array of an .npz archive, by name (the member name without .npy). */
export function readNpz(file: string): Record<string, NpyArray> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NpzError(file, code === 'EISDIR' ? 'is a directory, not an .npz file' : `cannot read (${code ?? (err as Error).message})`);
  }
  const fail = (message: string): never => {
    throw new NpzError(file, message);
  };
  // The end-of-central-directory record: 22 bytes plus a comment of at most 64 KiB, at the end.
  let eocd = -1;
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 65535); at--) {
    if (buf.readUInt32LE(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('not an .npz (zip) archive');
  const entries = buf.readUInt16LE(eocd + 10);
  const directorySize = buf.readUInt32LE(eocd + 12);
  let at = buf.readUInt32LE(eocd + 16);
  if (at === 0xffffffff || entries === 0xffff) fail('ZIP64 archives are not supported');
  if (at + directorySize > eocd) fail('corrupt central directory');
  const out: Record<string, NpyArray> = {};
  for (let i = 0; i < entries; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) fail(`corrupt central directory entry ${i}`);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) fail(`${name}: corrupt local header`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (dataStart + compressed > buf.length) fail(`${name}: truncated`);
    const raw = buf.subarray(dataStart, dataStart + compressed);
    let bytes: Uint8Array;
    if (method === 0) bytes = raw;
    else if (method === 8) {
      try {
        bytes = inflateRawSync(raw, { maxOutputLength: 1 << 30 });
      } catch (err) {
        return fail(`${name}: corrupt deflate data (${(err as Error).message})`);
      }
    } else return fail(`${name}: compression method ${method} is not supported (stored and deflate are)`);
    try {
      out[name.replace(/\.npy$/, '')] = parseNpy(bytes, name);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  return out;
}
