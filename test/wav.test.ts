/** The WAV reader and the resampler: every sample format it reads, the errors it gives, and a fuzz property. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { resample } from '../src/audio/resample.js';
import { decodeWav, WavError } from '../src/audio/wav.js';

/** A WAV file from frames of per-channel values in [-1, 1], encoded as the given format. */
function wav(frames: number[][], o: { rate?: number; bits: number; float?: boolean; extensible?: boolean; dataSize?: number }): Uint8Array {
  const channels = frames[0].length;
  const width = o.bits / 8;
  const data = new Uint8Array(frames.length * channels * width);
  const dv = new DataView(data.buffer);
  frames.forEach((f, i) =>
    f.forEach((v, c) => {
      const at = (i * channels + c) * width;
      if (o.float) {
        if (o.bits === 32) dv.setFloat32(at, v, true);
        else dv.setFloat64(at, v, true);
      } else if (o.bits === 8) dv.setUint8(at, Math.round(v * 127) + 128);
      else if (o.bits === 16) dv.setInt16(at, Math.round(v * 32767), true);
      else if (o.bits === 24) {
        const x = Math.round(v * 8388607);
        dv.setUint8(at, x & 0xff);
        dv.setUint8(at + 1, (x >> 8) & 0xff);
        dv.setInt8(at + 2, x >> 16);
      } else dv.setInt32(at, Math.round(v * 2147483647), true);
    }),
  );
  const fmtSize = o.extensible ? 40 : 16;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + data.length);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => [...s].forEach((ch, i) => (out[at + i] = ch.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  const code = o.float ? 3 : 1;
  v.setUint16(20, o.extensible ? 0xfffe : code, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, o.rate ?? 16000, true);
  v.setUint32(28, (o.rate ?? 16000) * channels * width, true);
  v.setUint16(32, channels * width, true);
  v.setUint16(34, o.bits, true);
  if (o.extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(44, code, true); // sub-format GUID begins with the format code
  }
  const dataAt = 20 + fmtSize;
  ascii(dataAt, 'data');
  v.setUint32(dataAt + 4, o.dataSize ?? data.length, true);
  out.set(data, dataAt + 8);
  return out;
}

const ramp = Array.from({ length: 50 }, (_, i) => [Math.sin(i / 5) * 0.9]);

describe('decodeWav', () => {
  it('reads 8/16/24/32-bit PCM and 32/64-bit float, plain and extensible, at their precision', () => {
    for (const f of [
      { bits: 8, tol: 1 / 100 },
      { bits: 16, tol: 1e-4 },
      { bits: 24, tol: 1e-6 },
      { bits: 32, tol: 1e-7 }, // float32 output: its own rounding
      { bits: 32, float: true, tol: 1e-7 },
      { bits: 64, float: true, tol: 1e-7 },
      { bits: 16, extensible: true, tol: 1e-4 },
      { bits: 32, float: true, extensible: true, tol: 1e-7 },
    ]) {
      const r = decodeWav(wav(ramp, f), 'x.wav');
      expect(r.sampleRate).toBe(16000);
      expect(r.samples.length).toBe(ramp.length);
      ramp.forEach(([x], i) => expect(Math.abs(r.samples[i] - x), JSON.stringify(f)).toBeLessThan(f.tol));
    }
  });

  it('averages channels into mono and accepts a streaming writer\'s unknown data size', () => {
    const stereo = decodeWav(wav([[0.5, -0.5], [0.25, 0.75]], { bits: 16, rate: 44100 }), 'st.wav');
    expect(stereo.channels).toBe(2);
    expect(stereo.sampleRate).toBe(44100);
    expect(Math.abs(stereo.samples[0])).toBeLessThan(1e-4);
    expect(stereo.samples[1]).toBeCloseTo(0.5, 3);
    // espeak-ng --stdout writes 0x7ffff000 as the data size.
    expect(decodeWav(wav(ramp, { bits: 16, dataSize: 0x7ffff000 }), 'es.wav').samples.length).toBe(ramp.length);
  });

  it('names the file and the problem for anything it cannot read', () => {
    const good = wav(ramp, { bits: 16 });
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('ID3 not a wav file at all'), /bad\.wav: not a WAV file \(starts with "ID3 ", expected RIFF\.\.\.\.WAVE\)/],
      [good.subarray(0, 8), /bad\.wav: not a WAV file \(8 bytes/],
      [good.subarray(0, good.length - 10), /bad\.wav: truncated: chunk "data" declares 100 bytes, 90 remain/],
      [(() => { const b = good.slice(); new DataView(b.buffer).setUint16(20, 2, true); return b; })(), /bad\.wav: compressed or unknown sample format 2/],
      [(() => { const b = good.slice(); new DataView(b.buffer).setUint16(34, 12, true); return b; })(), /bad\.wav: 12-bit PCM samples \(read: 8, 16, 24, 32-bit\)/],
      [(() => { const b = good.slice(); new DataView(b.buffer).setUint32(24, 100, true); return b; })(), /bad\.wav: sample rate 100 Hz/],
      [(() => { const b = good.slice(); b.set([0x4c, 0x49, 0x53, 0x54], 36); return b; })(), /bad\.wav: no data chunk/],
      [wav([[NaN]], { bits: 32, float: true }), /bad\.wav: sample 0 is NaN/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeWav(bytes, 'bad.wav')).toThrow(WavError);
      expect(() => decodeWav(bytes, 'bad.wav')).toThrow(message);
    }
  });

  it('throws only WavError on damaged input (fuzz: random bytes and bit flips of a valid file)', () => {
    const good = wav(ramp, { bits: 24 });
    const check = (bytes: Uint8Array) => {
      try {
        const r = decodeWav(bytes, 'f.wav');
        expect(r.samples.every(Number.isFinite)).toBe(true);
      } catch (err) {
        if (!(err instanceof WavError)) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(7)), { minLength: 1, maxLength: 6 }), (flips) => {
        const b = good.slice();
        for (const [at, bit] of flips) b[at] ^= 1 << bit;
        check(b);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('resample', () => {
  const sine = (f: number, rate: number, n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));

  it('keeps a tone below both Nyquist frequencies (22050 -> 16000 Hz)', () => {
    const y = resample(sine(1000, 22050, 22050), 22050, 16000);
    expect(y.length).toBe(16000);
    const want = sine(1000, 16000, 16000);
    let worst = 0;
    for (let i = 500; i < 15500; i++) worst = Math.max(worst, Math.abs(y[i] - want[i]));
    expect(worst).toBeLessThan(2e-3);
  });

  it('removes a tone above the new Nyquist frequency instead of aliasing it (22050 -> 8000 Hz, 6 kHz tone)', () => {
    const y = resample(sine(6000, 22050, 22050), 22050, 8000);
    let sq = 0;
    for (let i = 500; i < y.length - 500; i++) sq += y[i] * y[i];
    expect(Math.sqrt(sq / (y.length - 1000))).toBeLessThan(0.02);
  });

  it('refuses non-integer rates', () => {
    expect(() => resample(new Float32Array(4), 44100.5, 16000)).toThrow(/rates must be positive integers/);
  });
});
