/** Version and run-time facts: what `spikegrad info` prints. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadNative, packageRoot } from './model/native.js';

/** This package's version. */
export const version: string = (
  JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** What the native addon reports: the SIMD level in use and the best one available, OpenMP threads, versions. */
export interface RuntimeInfo {
  version: string;
  node: string;
  /** Kernel level used by default (SPIKEGRAD_SIMD can lower it). */
  simd: string;
  /** Best level this CPU supports. */
  simdBest: string;
  /** Threads OpenMP can use. */
  threads: number;
  openmp: boolean;
  marchNative: boolean;
}

/** Loads the native addon (if not loaded yet) and reports its SIMD level, OpenMP threads and build options. */
export function nativeInfo(): RuntimeInfo {
  const info = loadNative().info();
  return {
    version,
    node: process.version,
    simd: info.simd,
    simdBest: info.simdBest,
    threads: info.threads,
    openmp: info.openmp,
    marchNative: info.marchNative,
  };
}
