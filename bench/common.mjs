// Helpers shared by the benchmarks: timing with warm-up and medians, machine facts, result files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs fn `warmup` times, then `repeats` timed times; returns milliseconds per run. */
export async function time(fn, { warmup = 2, repeats = 7 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const t = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs };
}

/** CPU model, cores and the 1-minute load average (the machine is shared: a busy core skews timings). */
export function machine() {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    model = /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? model;
  } catch {}
  return { cpu: model, cores: os.availableParallelism?.() ?? os.cpus().length, node: process.version, load1: os.loadavg()[0] };
}

/** Fraction of the last `ms` milliseconds that other processes kept the CPUs busy (from /proc/stat). */
export async function busyFraction(ms = 500) {
  const read = () => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = line[3] + line[4];
    return { idle, total: line.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

/** Writes <dir>/<name>.json atomically (temp file + rename); dir defaults to bench/results. */
export function writeResult(name, result, dir = path.join(benchDir, 'results')) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(temp, file);
  return file;
}

/** The number after `--name` on the command line, or `fallback`. */
export function numberFlag(name, fallback, args = process.argv.slice(2)) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/**
 * `callers` concurrent loops, each sending `requests` requests one after another through `serve(index)`: requests
 * per second and the 50th and 99th latency percentiles in milliseconds.
 */
export async function concurrentLoad(callers, requests, serve) {
  const latencies = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let r = 0; r < requests; r++) {
        const t = performance.now();
        await serve(c * requests + r);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { requestsPerSecond: (callers * requests) / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}
