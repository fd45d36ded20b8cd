/**
 * A small WAV reader: RIFF/WAVE with PCM (8-bit unsigned, 16/24/32-bit signed) or IEEE float (32/64-bit) samples,
 * plain or WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono), any sample rate. Anything else is an
 * error naming the file and what was found. Written here rather than taken from npm: the format needs about 150
 * lines, and the candidates (wavefile, node-wav) either pull in codecs spikegrad never uses or are unmaintained;
 * this one is fuzzed (test/wav.test.ts).
 */

/** A decoded file: mono samples in [-1, 1] (integer formats) and the rate they were recorded at. */
export interface WavAudio {
  sampleRate: number;
  /** Channels in the file (they are averaged into `samples`). */
  channels: number;
  samples: Float32Array;
}

/** The file is not a WAV file spikegrad can read; the message names the file and the problem. */
export class WavError extends Error {
  override readonly name = 'WavError';
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;
// espeak-ng and other streaming writers put this (or 0xffffffff) in the data chunk's size when they do not know it.
const STREAMING_SIZE = 0x7fff0000;

export function decodeWav(bytes: Uint8Array, file: string): WavAudio {
  const fail = (why: string): never => {
    throw new WavError(`${file}: ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12) fail(`not a WAV file (${bytes.length} bytes, a RIFF header needs 12)`);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail(`not a WAV file (starts with "${tag(0)}", expected RIFF....WAVE)`);
  let format: { code: number; channels: number; rate: number; bits: number; align: number } | null = null;
  let data: Uint8Array | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const declared = view.getUint32(at + 4, true);
    const start = at + 8;
    const available = bytes.length - start;
    let size = declared;
    if (declared > available) {
      if (id === 'data' && declared >= STREAMING_SIZE) size = available;
      else fail(`truncated: chunk "${id}" declares ${declared} bytes, ${available} remain`);
    }
    if (id === 'fmt ') {
      if (size < 16) fail(`fmt chunk of ${size} bytes, expected at least 16`);
      let code = view.getUint16(start, true);
      const bits = view.getUint16(start + 14, true);
      if (code === EXTENSIBLE) {
        if (size < 40) fail('WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes');
        code = view.getUint16(start + 24, true); // the sub-format GUID starts with the format code
      }
      format = { code, channels: view.getUint16(start + 2, true), rate: view.getUint32(start + 4, true), bits, align: view.getUint16(start + 12, true) };
    } else if (id === 'data') {
      data = bytes.subarray(start, start + size);
    }
    at = start + size + (size & 1); // chunks are padded to even sizes
    if (data && format) break;
  }
  if (!format) return fail('no fmt chunk');
  if (!data) return fail('no data chunk');
  const { code, channels, rate, bits } = format;
  if (code !== PCM && code !== FLOAT) fail(`compressed or unknown sample format ${code} (read: PCM 8/16/24/32-bit and float 32/64-bit)`);
  if (channels < 1) fail('0 channels');
  if (rate < 1000 || rate > 768000) fail(`sample rate ${rate} Hz (expected 1 kHz to 768 kHz)`);
  const supported = code === PCM ? [8, 16, 24, 32] : [32, 64];
  if (!supported.includes(bits)) fail(`${bits}-bit ${code === PCM ? 'PCM' : 'float'} samples (read: ${supported.join(', ')}-bit)`);
  const width = bits / 8;
  const frame = width * channels;
  const frames = Math.floor(data.length / frame);
  if (frames === 0) fail('no samples in the data chunk');
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (o: number): number => {
    if (code === FLOAT) return bits === 32 ? d.getFloat32(o, true) : d.getFloat64(o, true);
    switch (bits) {
      case 8:
        return (d.getUint8(o) - 128) / 128;
      case 16:
        return d.getInt16(o, true) / 32768;
      case 24:
        return ((d.getUint8(o) | (d.getUint8(o + 1) << 8) | (d.getInt8(o + 2) << 16)) / 8388608);
      default:
        return d.getInt32(o, true) / 2147483648;
    }
  };
  const samples = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(f * frame + c * width);
    samples[f] = sum / channels;
  }
  for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) fail(`sample ${i} is ${samples[i]} (float data must be finite)`);
  return { sampleRate: rate, channels, samples };
}
