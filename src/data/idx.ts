/**
 * IDX files (the MNIST / Fashion-MNIST format), raw or gzipped. Header: two zero bytes, a type code, the number of
 * dimensions, then one big-endian uint32 size per dimension. Every size is checked against the file length, so a
 * truncated or corrupt file is an error, never a silent short read.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

export class IdxError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'IdxError';
  }
}

/** Decodes IDX bytes (already gunzipped). */
export function parseIdx(bytes: Uint8Array, file = 'idx data'): IdxArray {
  if (bytes.length < 4) throw new IdxError(file, `too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(file, `not an IDX file: magic number starts with 0x${hex(bytes[0])}${hex(bytes[1])}, expected 0x0000`);
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new IdxError(file, `unknown IDX data type 0x${hex(bytes[2])}`);
  const dims = bytes[3];
  if (dims < 1 || dims > 8) throw new IdxError(file, `expected 1 to 8 dimensions, got ${dims}`);
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) throw new IdxError(file, `truncated header: ${dims} dimensions need ${headerBytes} bytes, file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < dims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw new IdxError(
      file,
      `${bytes.length < expected ? 'truncated' : 'has trailing bytes'}: shape [${shape.join(', ')}] of ${type.name} needs ${expected} bytes, file has ${bytes.length}`,
    );
  }
  const payload = bytes.subarray(headerBytes);
  let data: IdxArray['data'];
  switch (type.name) {
    case 'ubyte':
      data = Uint8Array.from(payload);
      break;
    case 'byte':
      data = Int8Array.from(payload, (b) => (b << 24) >> 24);
      break;
    default: {
      // Multi-byte values are big-endian.
      const read = { short: 'getInt16', int: 'getInt32', float: 'getFloat32', double: 'getFloat64' }[type.name] as
        | 'getInt16'
        | 'getInt32'
        | 'getFloat32'
        | 'getFloat64';
      const Ctor = { short: Int16Array, int: Int32Array, float: Float32Array, double: Float64Array }[type.name as 'short'];
      const out = new Ctor(count);
      const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      for (let i = 0; i < count; i++) out[i] = pv[read](i * type.bytes, false);
      data = out;
    }
  }
  return { shape, data };
}

/** Reads an IDX file; names ending in .gz are gunzipped. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IdxError(path, code === 'EISDIR' ? 'is a directory, not an IDX file' : `cannot read (${code ?? (err as Error).message})`);
  }
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new IdxError(path, `corrupt gzip data (${(err as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
