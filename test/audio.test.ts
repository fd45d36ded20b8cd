/**
 * The audio front ends through the addon (options checked by name, spikes of a tone, log-mel values, silence) and
 * the spoken-digits data set: deterministic from its seed, test speakers never in training, 20 classes, and a
 * clear message without espeak-ng.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { cochleaEvents, logMelValues, normalizeLevel, parseFrontEnd } from '../src/audio/front-end.js';
import { makeBatch } from '../src/data/batches.js';
import { loadDataset } from '../src/data/registry.js';
import { Network } from '../src/model/network.js';
import type { AnyDataset } from '../src/data/dataset.js';
import { analogOf, eventsOf } from './helpers.js';
import { loadNative } from '../src/model/native.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hasEspeak = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0;
const tone = (f: number, seconds = 0.5, rate = 16000) => Float32Array.from({ length: seconds * rate }, (_, i) => 0.1 * Math.sin((2 * Math.PI * f * i) / rate));

describe('audio front ends', () => {
  it('checks front-end options by field name', () => {
    expect(() => parseFrontEnd({ kind: 'cochlea', channels: 0 })).toThrow(/channels/);
    expect(() => parseFrontEnd({ kind: 'log-mel', filters: 40, frame: -1 })).toThrow(/frame/);
    expect(() => parseFrontEnd({ kind: 'gammachirp' })).toThrow(/kind/);
    expect(parseFrontEnd(undefined)).toMatchObject({ kind: 'cochlea', channels: 700, sampleRate: 16000 });
  });

  it('rejects options the core refuses, naming the field, without crashing', async () => {
    const native = loadNative();
    // The addon checks arguments before queueing its work (a synchronous throw); the TypeScript wrappers are async.
    const audio = tone(440);
    const offsets = Float64Array.of(0, audio.length);
    await expect((async () => native.audioFrontEnd({ kind: 'cochlea', fMax: 9000 }, audio, offsets, { threads: 1 }))()).rejects.toThrow(/frontEnd\.fMax: expected fMin to 0\.49 x the sample rate/);
    await expect((async () => native.audioFrontEnd({ kind: 'log-mel', fft: 100 }, audio, offsets, { threads: 1 }))()).rejects.toThrow(/frontEnd\.fft: expected a power of two/);
    await expect((async () => native.audioFrontEnd({ kind: 'cochlea' }, audio, Float64Array.of(0, 5), { threads: 1 }))()).rejects.toThrow(/offsets: expected utterance starts from 0 to audio\.length/);
    await expect((async () => native.audioFrontEnd({ kind: 'cochlea', channels: 'many' } as never, audio, offsets, { threads: 1 }))()).rejects.toThrow(/frontEnd\.channels: expected an integer/);
  });

  it('turns a tone into sorted spikes near its channel and into standardized log-mel frames', async () => {
    const fe = parseFrontEnd({ kind: 'cochlea', channels: 64 });
    if (fe.kind !== 'cochlea') throw new Error('unreachable');
    const a = tone(500);
    const b = tone(3000);
    normalizeLevel(a, 'a');
    normalizeLevel(b, 'b');
    const ev = await cochleaEvents(fe, [a, b], { dt: 2e-3, steps: 250 }, 2);
    expect(ev.offsets.length).toBe(3);
    const meanUnit = (i: number) => {
      let s = 0;
      for (let e = ev.offsets[i]; e < ev.offsets[i + 1]; e++) s += ev.units[e];
      return s / (ev.offsets[i + 1] - ev.offsets[i]);
    };
    expect(ev.offsets[1]).toBeGreaterThan(100);
    expect(meanUnit(1)).toBeGreaterThan(meanUnit(0) + 10); // higher tone, higher channels
    const lm = parseFrontEnd({ kind: 'log-mel' });
    if (lm.kind !== 'log-mel') throw new Error('unreachable');
    const values = await logMelValues(lm, [a], { dt: 2e-3, steps: 250 }, 1);
    expect(values.length).toBe(250 * 40);
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('refuses a silent utterance by name', () => {
    expect(() => normalizeLevel(new Float32Array(1000), 'quiet.wav')).toThrow(/quiet\.wav: silent/);
  });
});

/** A 16-bit mono WAV of the given samples. */
function wavFile(x: Float32Array, rate = 22050): Buffer {
  const b = Buffer.alloc(44 + 2 * x.length);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + 2 * x.length, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(2 * x.length, 40);
  x.forEach((v, i) => b.writeInt16LE(Math.round(v * 32767), 44 + 2 * i));
  return b;
}

describe('audio (a directory of WAV files per class)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-audio-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const make = (name: string, classes: Record<string, number[]>) => {
    const dir = path.join(tmp, name);
    for (const [c, freqs] of Object.entries(classes)) {
      mkdirSync(path.join(dir, c), { recursive: true });
      freqs.forEach((f, i) => writeFileSync(path.join(dir, c, `${i}.wav`), wavFile(tone(f, 0.3, 22050).map((v) => v * (1 + i / 10)))));
    }
    return dir;
  };
  const fe = { kind: 'cochlea', channels: 32 };

  it('reads classes from directories and splits by the Speech Commands lists', async () => {
    const dir = make('lists', { low: [300, 310, 320, 330], high: [2500, 2600, 2700, 2800] });
    mkdirSync(path.join(dir, '_background_noise_'));
    writeFileSync(path.join(dir, 'validation_list.txt'), 'low/1.wav\nhigh/1.wav\n');
    writeFileSync(path.join(dir, 'testing_list.txt'), 'low/2.wav\nhigh/2.wav\n');
    const d = await loadDataset({ name: 'audio', path: dir, frontEnd: fe, steps: 150 }, { cacheDir: path.join(tmp, 'cache'), threads: 2 });
    expect(d.splits.train.classNames).toEqual(['high', 'low']);
    expect([d.splits.train.size, d.splits.valid.size, d.splits.test.size]).toEqual([4, 2, 2]);
    expect(d.splits.train.inputs).toBe(32);
    expect(eventsOf(d.splits.train).offsets[4]).toBeGreaterThan(0);
  });

  it('makes log-mel analog input with the same splits, cached and read back bit for bit, and trains on it', async () => {
    const dir = make('log-mel', { low: [300, 310, 320, 330], high: [2500, 2600, 2700, 2800] });
    writeFileSync(path.join(dir, 'validation_list.txt'), 'low/1.wav\nhigh/1.wav\n');
    writeFileSync(path.join(dir, 'testing_list.txt'), 'low/2.wav\nhigh/2.wav\n');
    const config = { name: 'audio', path: dir, frontEnd: { kind: 'log-mel', filters: 24 }, steps: 150 };
    const cacheDir = path.join(tmp, 'cache-log-mel');
    const first = await loadDataset(config, { cacheDir, threads: 2 });
    expect(first.fromCache).toBe(false);
    const train = analogOf(first.splits.train);
    expect([train.size, first.splits.valid.size, first.splits.test.size]).toEqual([4, 2, 2]);
    expect([train.inputs, train.steps, train.values.length]).toEqual([24, 150, 4 * 150 * 24]);
    // Per-sample standardization over the frames the sound fills: finite, centred, not constant.
    for (let i = 0; i < train.size; i++) {
      const v = train.get(i).values;
      expect(v.every(Number.isFinite)).toBe(true);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      expect(Math.abs(mean)).toBeLessThan(1);
      expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(1);
    }
    // A low tone's loudest filter (mean over time) lies below every high tone's.
    const loudest = (i: number) => {
      const v = train.get(i).values;
      const mean = Array.from({ length: 24 }, (_, k) => v.filter((_, j) => j % 24 === k).reduce((a, b) => a + b, 0));
      return mean.indexOf(Math.max(...mean));
    };
    const low = train.classNames!.indexOf('low');
    const peaks = Array.from({ length: train.size }, (_, i) => ({ low: train.labels[i] === low, at: loudest(i) }));
    expect(Math.max(...peaks.filter((p) => p.low).map((p) => p.at))).toBeLessThan(Math.min(...peaks.filter((p) => !p.low).map((p) => p.at)));
    const second = await loadDataset(config, { cacheDir, threads: 2 });
    expect(second.fromCache).toBe(true);
    for (const split of ['train', 'valid', 'test'] as const) {
      const [a, b] = [analogOf(first.splits[split]), analogOf(second.splits[split])];
      expect(Buffer.from(b.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(true);
      expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    }
    // The analog input path of the engine trains on it: one step lowers the loss of the batch.
    const net = new Network({ inputs: 24, outputs: 2, layers: [{ size: 16, recurrent: true }], seed: 3 }, { threads: 1 });
    const batch = makeBatch(train, [0, 1, 2, 3]);
    const gradients = net.zeroGradients();
    const before = await net.lossAndGradient(batch, { gradients });
    expect(Number.isFinite(before.loss)).toBe(true);
    for (const [name, g] of Object.entries(gradients)) {
      const p = net.parameters[name].slice();
      for (let i = 0; i < p.length; i++) p[i] -= 0.05 * g[i];
      net.setParameters({ [name]: p });
    }
    expect((await net.forward(batch)).loss!).toBeLessThan(before.loss!);
  });

  it('names the file or directory of every problem, and caches nothing half-made', async () => {
    const cacheDir = path.join(tmp, 'cache-bad');
    const empty = make('empty', { a: [300] });
    mkdirSync(path.join(empty, 'b'));
    await expect(loadDataset({ name: 'audio', path: empty, frontEnd: fe }, { cacheDir })).rejects.toThrow(/class directory .*empty\/b holds no \.wav files/);
    const broken = make('broken', { a: [300], b: [400] });
    writeFileSync(path.join(broken, 'b', '1.wav'), 'not a wav file at all');
    await expect(loadDataset({ name: 'audio', path: broken, frontEnd: fe }, { cacheDir })).rejects.toThrow(/broken\/b\/1\.wav: not a WAV file/);
    const quiet = make('quiet', { a: [300], b: [400] });
    writeFileSync(path.join(quiet, 'a', '9.wav'), wavFile(new Float32Array(4000)));
    await expect(loadDataset({ name: 'audio', path: quiet, frontEnd: fe }, { cacheDir })).rejects.toThrow(/quiet\/a\/9\.wav: silent/);
    await expect(loadDataset({ name: 'audio', path: path.join(tmp, 'nope'), frontEnd: fe }, { cacheDir })).rejects.toThrow(/nope is not a directory/);
    await expect(loadDataset({ name: 'audio', path: quiet, frontEnd: { kind: 'cochlea', channels: 32, fMax: 20000 } }, { cacheDir })).rejects.toThrow(/fMax/);
    // Nothing was written to the cache (not even its directory).
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });
});

describe.skipIf(!hasEspeak)('spoken-digits', () => {
  const small = { name: 'spoken-digits', speakers: 5, testSpeakers: 1, repetitions: 1, languages: ['en', 'de'], frontEnd: { kind: 'cochlea', channels: 64 }, steps: 300, validFraction: 0.2 };

  it('is the same data set every time from its seed; test speakers are never in training', async () => {
    const a = await loadDataset(small, { cache: false, threads: 2 });
    const b = await loadDataset(small, { cache: false, threads: 2 });
    for (const split of ['train', 'valid', 'test'] as const) {
      expect(Array.from(eventsOf(a.splits[split]).times)).toEqual(Array.from(eventsOf(b.splits[split]).times));
      expect(Array.from(eventsOf(a.splits[split]).units)).toEqual(Array.from(eventsOf(b.splits[split]).units));
      expect(Array.from(a.splits[split].labels)).toEqual(Array.from(b.splits[split].labels));
    }
    const [train, valid, test] = [eventsOf(a.splits.train), eventsOf(a.splits.valid), eventsOf(a.splits.test)];
    expect(train.classes).toBe(20);
    expect(train.inputs).toBe(64);
    expect(train.size + valid.size + test.size).toBe(5 * 20);
    const speakersOf = (d: AnyDataset) => new Set(Array.from(d.groups!));
    const testSpeakers = speakersOf(test);
    expect(testSpeakers.size).toBe(1);
    for (const s of speakersOf(train)) expect(testSpeakers.has(s)).toBe(false);
    for (const s of speakersOf(valid)) expect(testSpeakers.has(s) || speakersOf(train).has(s)).toBe(false);
    expect(train.classNames?.[15]).toBe('de:fünf');
    // Spikes in every sample, on the grid.
    for (let i = 0; i < train.size; i++) expect(train.offsets[i + 1]).toBeGreaterThan(train.offsets[i]);
    expect(Math.max(...Array.from(train.times))).toBeLessThan(300);
    // The log-mel front end: the same utterances and speaker splits as analog input.
    const m = await loadDataset({ ...small, frontEnd: { kind: 'log-mel' } }, { cache: false, threads: 2 });
    for (const split of ['train', 'valid', 'test'] as const) {
      const d = analogOf(m.splits[split]);
      expect([d.inputs, d.steps]).toEqual([40, 300]);
      expect(Array.from(d.groups!)).toEqual(Array.from(a.splits[split].groups!));
      expect(Array.from(d.labels)).toEqual(Array.from(a.splits[split].labels));
      expect(d.values.every(Number.isFinite)).toBe(true);
    }
  }, 180_000);

  it('says what to install when espeak-ng is missing', () => {
    const script = `import('${path.join(root, 'dist', 'index.js')}').then((m) => m.loadDataset({ name: 'spoken-digits' }, { cache: false })).then(() => process.exit(3), (e) => { console.error(e.message); process.exit(1); })`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/spoken-digits is generated with espeak-ng, which is not installed \(Debian\/Ubuntu: apt-get install espeak-ng\)/);
  });
});
