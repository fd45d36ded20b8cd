/**
 * Fashion-MNIST and MNIST as latency-coded spikes (Zenke & Vogels 2021): IDX files (raw or .gz), each pixel
 * value/255 coded by latencyStep(). Fashion-MNIST comes from the Debian package dataset-fashion-mnist
 * (/usr/share/datasets/fashion-mnist); MNIST from any directory holding the four standard files.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { parseWithSchema } from '../util/validate.js';
import type { DatasetSplits, EventDataset } from './dataset.js';
import { EventsBuilder } from './events-builder.js';
import { readIdxFile } from './idx.js';
import { latencyTable } from './latency.js';
import { holdOutRandom } from './splits.js';

/** Where Debian's dataset-fashion-mnist package puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/**
 * Options of the latency-coded image data sets: path of the IDX files, steps (100), tau_eff (20 steps), threshold
 * theta (0.2), validation fraction (0.1), seed, limit.
 */
export const ImageOptionsSchema = z
  .object({
    /** Directory of the IDX files; Fashion-MNIST defaults to the Debian package's. */
    path: z.string().min(1).optional(),
    /** tau_eff of the latency code, in steps. */
    tauEff: z.number().positive().finite().default(20),
    /** theta: intensities at or below it never fire. */
    threshold: z.number().min(0).lt(1).default(0.2),
    steps: z.number().int().min(1).max(65535).default(100),
    /** Fraction of the training set held out (seeded) for validation. */
    validFraction: z.number().min(0).lt(1).default(0.1),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    /** Use only the first N training and N/6 test images (quick runs). */
    limit: z.number().int().min(1).optional(),
  })
  .strict();

export type ImageOptions = z.output<typeof ImageOptionsSchema>;
export type ImageDatasetName = 'fashion-mnist' | 'mnist';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export function parseImageOptions(input: unknown): ImageOptions {
  return parseWithSchema(ImageOptionsSchema, input ?? {}, 'image dataset options');
}

/** The four IDX files of a directory (each .gz or raw), or an error saying where we looked and what to do. */
export function locateImageFiles(name: ImageDatasetName, dir: string | undefined): Record<keyof typeof FILES, string> {
  const root = dir ?? (name === 'fashion-mnist' ? FASHION_MNIST_DIR : undefined);
  const help =
    name === 'fashion-mnist'
      ? 'Install it with "apt-get install dataset-fashion-mnist" (Debian/Ubuntu), or pass --data-path DIR (config: dataset.path) with the four IDX files.'
      : 'Download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz and pass --data-path DIR (config: dataset.path).';
  if (!root) throw new Error(`${name}: no directory given. ${help}`);
  const out = {} as Record<keyof typeof FILES, string>;
  const missing: string[] = [];
  for (const [key, base] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    const found = [`${base}.gz`, base].map((f) => path.join(root, f)).find((f) => existsSync(f));
    if (found) out[key] = found;
    else missing.push(`${base}[.gz]`);
  }
  if (missing.length > 0) throw new Error(`${name}: not found in ${root} (missing ${missing.join(', ')}). ${help}`);
  return out;
}

function encode(images: Uint8Array, labels: Uint8Array, count: number, pixels: number, o: ImageOptions, name: string, classNames?: string[]): EventDataset {
  const table = latencyTable({ tauEff: o.tauEff, threshold: o.threshold, steps: o.steps });
  const builder = new EventsBuilder(o.steps - 1, pixels - 1, count * 64);
  // Per image: counting sort of the firing pixels by step, so events come out sorted by (step, pixel).
  const perStep = new Int32Array(o.steps + 1);
  const steps = new Int32Array(pixels);
  const units = new Int32Array(pixels);
  for (let i = 0; i < count; i++) {
    const image = images.subarray(i * pixels, (i + 1) * pixels);
    perStep.fill(0);
    for (let p = 0; p < pixels; p++) {
      const s = table[image[p]];
      if (s >= 0) perStep[s + 1]++;
    }
    for (let s = 0; s < o.steps; s++) perStep[s + 1] += perStep[s];
    const n = perStep[o.steps];
    for (let p = 0; p < pixels; p++) {
      const s = table[image[p]];
      if (s >= 0) {
        const at = perStep[s]++;
        steps[at] = s;
        units[at] = p;
      }
    }
    builder.addSample(steps, units, n, labels[i]);
  }
  return builder.build({ name, classes: 10, inputs: pixels, steps: o.steps, classNames });
}

export interface ImageSource {
  files: Record<keyof typeof FILES, string>;
}

/**
 * Reads MNIST-style IDX files and turns each pixel x > theta into one spike at step floor(tau_eff ln(x / (x -
 * theta))).
 */
export function loadImageDataset(name: ImageDatasetName, options: ImageOptions): DatasetSplits<EventDataset> {
  const files = locateImageFiles(name, options.path);
  const read = (images: string, labels: string, limit: number | undefined) => {
    const x = readIdxFile(images);
    const y = readIdxFile(labels);
    if (x.shape.length !== 3 || !(x.data instanceof Uint8Array)) throw new Error(`${images}: expected a [count][rows][cols] array of unsigned bytes`);
    if (y.shape.length !== 1 || !(y.data instanceof Uint8Array)) throw new Error(`${labels}: expected a [count] array of unsigned bytes`);
    if (x.shape[0] !== y.shape[0]) throw new Error(`${images} has ${x.shape[0]} images but ${labels} has ${y.shape[0]} labels`);
    const bad = y.data.findIndex((l) => l > 9);
    if (bad >= 0) throw new Error(`${labels}: label ${y.data[bad]} at index ${bad} is not a class in [0, 10)`);
    const count = Math.min(x.shape[0], limit ?? Infinity);
    return { images: x.data, labels: y.data, count, pixels: x.shape[1] * x.shape[2] };
  };
  const classNames = name === 'fashion-mnist' ? FASHION_MNIST_CLASSES : undefined;
  const train = read(files.trainImages, files.trainLabels, options.limit);
  const test = read(files.testImages, files.testLabels, options.limit === undefined ? undefined : Math.max(1, Math.ceil(options.limit / 6)));
  if (train.pixels !== test.pixels) throw new Error(`${name}: training images have ${train.pixels} pixels but test images ${test.pixels}`);
  const fullTrain = encode(train.images, train.labels, train.count, train.pixels, options, name, classNames);
  const { train: trainSplit, valid } = holdOutRandom(fullTrain, options.validFraction, options.seed);
  return { train: trainSplit, valid, test: encode(test.images, test.labels, test.count, test.pixels, options, `${name}/test`, classNames) };
}
