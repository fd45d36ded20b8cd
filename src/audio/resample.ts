/**
 * Band-limited resampling: each output sample is a windowed-sinc interpolation of the input (Hann window, 16 zero
 * crossings each side), with the cutoff at the lower of the two Nyquist frequencies so downsampling does not alias.
 * Integer rates in a ratio L/M: output n sits at input position n M / L, so only L fractional positions occur and
 * the filter taps are computed once per position (the polyphase form of the same interpolation).
 */

const ZEROS = 16;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function tap(t: number, cutoff: number, half: number): number {
  if (Math.abs(t) >= half + 1) return 0;
  const arg = Math.PI * cutoff * t;
  const sinc = t === 0 ? 1 : Math.sin(arg) / arg;
  return cutoff * sinc * (0.5 + 0.5 * Math.cos((Math.PI * t) / (half + 1)));
}

export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (!(Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0)) throw new RangeError(`resample: rates must be positive integers (Hz), got ${from} -> ${to}`);
  if (from === to) return x.slice();
  const g = gcd(from, to);
  const L = to / g;
  const M = from / g;
  const cutoff = Math.min(1, to / from); // relative to the input's Nyquist frequency
  const half = Math.ceil(ZEROS / cutoff); // taps each side, in input samples
  const width = 2 * half;
  // table[p][j]: the weight of input i0 - half + 1 + j for an output at i0 + p / L.
  const table = new Float64Array(L * width);
  for (let p = 0; p < L; p++) for (let j = 0; j < width; j++) table[p * width + j] = tap(j - half + 1 - p / L, cutoff, half);
  const out = new Float32Array(Math.max(1, Math.round((x.length * L) / M)));
  for (let n = 0; n < out.length; n++) {
    const i0 = Math.floor((n * M) / L);
    const p = (n * M) % L;
    const base = i0 - half + 1;
    let sum = 0;
    const row = p * width;
    for (let j = Math.max(0, -base); j < width && base + j < x.length; j++) sum += x[base + j] * table[row + j];
    out[n] = sum;
  }
  return out;
}
