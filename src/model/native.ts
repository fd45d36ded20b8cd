/**
 * The native addon's surface, declared once (node-llama-cpp's rule: nothing else touches the raw addon).
 * The addon is loaded by node-gyp-build from build/Release (a local build) or prebuilds/<platform>-<arch>.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Batch, EventBatch } from './batch.js';
import type { ReadoutReduction, ResetMode, SurrogateShape } from './config.js';
import type { RegularizerConfig } from './regularizers.js';

/** The plain options struct TypeScript hands to C++ (validated again there). */
export interface NativeSpec {
  inputs: number;
  outputs: number;
  layers: { size: number; recurrent: boolean; recurrentGradient: 'propagate' | 'detached' }[];
  neuron: { dt: number; tauMem: number; tauSyn: number; tauOut: number; threshold: number };
  surrogate: { shape: SurrogateShape; scale: number; normalized: boolean };
  reset: ResetMode;
  readout: ReadoutReduction;
}

export interface NativeRunOptions {
  threads?: number;
  simd?: 'auto' | 'avx512' | 'avx2' | 'generic';
  profile?: boolean;
  compact?: boolean;
  regularizers?: RegularizerConfig[];
}

/** The scalars of each native optimizer kernel (native/core/optimizer_kernels.h), by kind. */
export interface NativeOptimizerScalars {
  adam: { beta1: number; beta2: number; eps: number; stepSize: number; sqrtC2: number };
  adamax: { beta1: number; beta2: number; eps: number; stepSize: number };
  sgd: { lr: number; momentum: number; nesterov: boolean; first: boolean };
  smorms3: { lr: number; eps: number };
}

export interface NativeRecord {
  layers: number[];
  spikes: (Uint8Array | null)[];
  membrane: (Float32Array | null)[];
  readout: Float32Array | null;
}

export interface NativeSummary {
  loss?: number;
  crossEntropy?: number;
  regularization?: number;
  regularizerLosses?: number[];
  correct?: number;
  accuracy?: number;
  predictions: Int32Array;
  logits: Float32Array;
  spikeCounts: Float32Array[];
  timings?: PassTimings;
}

/**
 * Where one call's time went, in seconds. Each chunk of the batch runs its forward and then its backward pass on one
 * thread, so `forward` and `backward` are thread-seconds divided by the thread count (wall time when the chunks
 * balance); `transposes` is the per-call preparation (weight transposes, dense-input drive, loss), then partition
 * reduction and dense-input gradient in wall seconds; and thread-seconds of the backward phases (products
 * dL/dS = W dL/dI, event-driven weight gradients, adjoint steps through the surrogate).
 */
export interface PassTimings {
  forward: number;
  transposes: number;
  backward: number;
  reduce: number;
  denseGradient: number;
  products: number;
  weightGradients: number;
  adjointSteps: number;
}

export interface NativeNetwork {
  parameterLayout(): { name: string; rows: number; cols: number }[];
  lossAndGradient(batch: Batch, weights: Float32Array[], gradients: Float32Array[], options: NativeRunOptions): Promise<NativeSummary>;
  forward(batch: Batch, weights: Float32Array[], options: NativeRunOptions, record?: NativeRecord): Promise<NativeSummary>;
  partitionCount(batchSize: number): number;
  workspaceBytes(): number;
  /** membrane: a forward call that records the membrane potential (it keeps the whole batch's state). */
  planMemory(batchSize: number, steps: number, options: NativeRunOptions & { backward?: boolean; analog?: boolean; membrane?: boolean }): { bytes: number; stateBytes: number; partitions: number };
  /** Synchronous: advances the stream state in place; returns the steps taken so far. */
  streamSteps(state: NativeStreamState, batch: EventBatch, weights: Float32Array[], options: NativeRunOptions, record: NativeStreamRecord): number;
  dispose(): void;
}

/** The state of a batch of streams (stream.h), updated in place by streamSteps. */
export interface NativeStreamState {
  size: number;
  stepsDone: number;
  current: Float32Array[];
  membrane: Float32Array[];
  readoutCurrent: Float32Array;
  readout: Float32Array;
  reduced: Float32Array;
}

/** Where streamSteps writes a call's traces ([size][steps][width]; null: not recorded) and the logits. */
export interface NativeStreamRecord {
  spikes: (Uint8Array | null)[];
  membrane: (Float32Array | null)[];
  readout: Float32Array | null;
  logits: Float32Array;
}

export interface NativeInfo {
  simd: string;
  simdBest: string;
  threads: number;
  openmp: boolean;
  openmpVersion?: number;
  marchNative: boolean;
  napiVersion: number;
}

/** A random manifold's parameters, [units][dim][terms] each (see src/data/randman.ts). */
export interface NativeManifold {
  units: number;
  dim: number;
  terms: number;
  amplitude: Float64Array;
  frequency: Float64Array;
  phase: Float64Array;
}

/** Options of the audio front ends (native/core/cochlea.h, log_mel.h); absent fields keep the core's defaults. */
export type NativeFrontEnd = { kind: 'cochlea' | 'log-mel' } & Record<string, number | string>;

/** Spikes per utterance (cochlea: event offsets, times, units; with cochleagram, [n][steps][channels]) or values. */
export interface NativeFrontEndResult {
  offsets?: Float64Array;
  times?: Int32Array;
  units?: Int32Array;
  /** log-mel: [n][steps][filters]. */
  values?: Float32Array;
  cochleagram?: Float32Array;
}

export interface NativeAddon {
  NativeNetwork: new (spec: NativeSpec) => NativeNetwork;
  info(): NativeInfo;
  /** One optimizer update of one parameter array, in place (see native/core/optimizer_kernels.h). */
  optimizerStep<K extends keyof NativeOptimizerScalars>(kind: K, param: Float32Array, grad: Float32Array, slots: Float32Array[], scalars: NativeOptimizerScalars[K], threads: number): void;
  /** Coordinates [points][units] of points x [points][dim] on a random manifold. */
  evaluateManifold(manifold: NativeManifold, x: Float64Array, options: NativeRunOptions): Promise<Float64Array>;
  /** Utterances (concatenated; offsets [n + 1]) through an audio front end, spread over threads. */
  audioFrontEnd(frontEnd: NativeFrontEnd, audio: Float32Array, offsets: Float64Array, options: { threads: number; cochleagram?: boolean }): Promise<NativeFrontEndResult>;
}

/** The package root (this file lives in src/model or dist/model). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let addon: NativeAddon | undefined;

/** What to do about a failed load, from the loader's message. */
function loadAdvice(reason: string): string {
  const build =
    `  To build it from source: npm install cmake-js@8.0.0 node-addon-api@8.9.2, then "npm rebuild spikegrad" ` +
    `(in ${packageRoot}; needs cmake >= 3.15 and g++ >= 9).`;
  if (/libgomp/.test(reason)) return `  The OpenMP runtime is missing: install libgomp1 (Debian/Ubuntu: apt-get install libgomp1).\n${build}`;
  if (/GLIBC_|GLIBCXX_/.test(reason)) return `  The prebuilt addon needs a newer C library than this system's (it is built on Debian 12, glibc 2.36).\n${build}`;
  if (/No native build was found/.test(reason)) {
    return `  There is no prebuilt addon for ${process.platform}-${process.arch} (the package carries linux-x64 with glibc).\n${build}`;
  }
  if (/Illegal instruction|invalid ELF|wrong ELF class/.test(reason)) return `  The binary does not suit this CPU or system.\n${build}`;
  return build;
}

export function loadNative(): NativeAddon {
  if (addon !== undefined) return addon;
  const require = createRequire(import.meta.url);
  try {
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = load(packageRoot);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`spikegrad: the native addon could not be loaded (${reason}).\n${loadAdvice(reason)}`);
  }
  return addon;
}
