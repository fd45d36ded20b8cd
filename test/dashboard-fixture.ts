/**
 * A directory for the dashboard tests: a sweep store with done, running and failed trials (the failed one's error
 * carries HTML), a finished run directory, and a way to finish the running trial while a test watches.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { readCheckpoint } from '../src/io/checkpoint.js';
import { expandTrials, parseSweepSpec } from '../src/sweep/spec.js';
import { ResultStore } from '../src/sweep/store.js';
import { runTraining } from '../src/train/run.js';

export const HTML_ERROR = '<img src=x onerror="window.__pwned=1"><b>bold</b> & "quotes" </td></tr><script>window.__pwned=2</script>';

const base = {
  dataset: { name: 'randman', classes: 3, units: 10, samplesPerClass: 40, steps: 40 },
  network: { layers: [{ size: 16 }], init: { gain: 3 } },
  epochs: 3,
  batchSize: 20,
  threads: 1,
};

export interface DashboardFixture {
  dir: string;
  store: string;
  run: string;
  sweep: string;
  running: string;
  failed: string;
  done: string[];
  /** Trains the running trial and stores it as done (what a sweep worker does). */
  finishRunning(): Promise<void>;
}

async function trainTrial(config: unknown, out: string) {
  const results = await runTraining(config, { out, cacheDir: path.join(out, '..', 'cache') });
  const ckpt = readCheckpoint(path.join(out, 'checkpoint.sgck'));
  const parts = Object.values(ckpt.parameters);
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    weights.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return { results, weights, worker: 'test' };
}

export async function makeDashboardFixture(dir: string): Promise<DashboardFixture> {
  mkdirSync(dir, { recursive: true });
  const spec = parseSweepSpec({
    name: 'shape-scale-test',
    figures: ['shape-scale'],
    base,
    grid: { 'network.surrogate.shape': ['superspike', 'sigmoid'], 'network.surrogate.scale': [1, 10] },
  });
  const trials = expandTrials(spec);
  const storeFile = path.join(dir, 'results', 'sweeps.sqlite');
  const store = new ResultStore(storeFile);
  store.register(spec, trials);
  const [a, b, running, failed] = trials;
  for (const t of [a, b]) {
    store.markRunning(t.id, 'test');
    store.saveDone(t.id, await trainTrial(t.config, path.join(dir, 'trial-runs', t.id)));
  }
  store.markRunning(running.id, 'test');
  store.markRunning(failed.id, 'test');
  store.saveFailed(failed.id, HTML_ERROR, 'test');
  store.close();
  const run = path.join(dir, 'runs', 'tiny');
  await runTraining({ ...base, epochs: 4 }, { out: run, cacheDir: path.join(dir, 'cache') });
  return {
    dir,
    store: storeFile,
    run,
    sweep: spec.name,
    running: running.id,
    failed: failed.id,
    done: [a.id, b.id],
    finishRunning: async () => {
      const outcome = await trainTrial(running.config, path.join(dir, 'trial-runs', running.id));
      const writer = new ResultStore(storeFile);
      try {
        writer.saveDone(running.id, outcome);
      } finally {
        writer.close();
      }
    },
  };
}
