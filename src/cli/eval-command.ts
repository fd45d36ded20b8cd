import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { loadDataset } from '../data/registry.js';
import { keptParameters, readCheckpoint } from '../io/checkpoint.js';
import { Network } from '../model/network.js';
import { evaluate, type SplitMetrics } from '../train/metrics.js';
import { ensureWritableDir, RESULTS_FILE } from '../train/run.js';
import { ConfigError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { positiveInteger } from './parse-flags.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("evaluate the weights of a checkpoint on its data set and write eval.json (never the run's results.json)")
    .requiredOption('--checkpoint <file>', 'a checkpoint.sgck written by spikegrad train')
    .option('--split <split>', 'train, valid, test or all', 'all')
    .option('--out <file>', `the evaluation's JSON file, or a directory for ${EVAL_FILE} (default: ${EVAL_FILE} beside the checkpoint)`)
    .option('--json', 'print the evaluation as JSON on stdout instead of writing a file')
    .option('--threads <n>', 'OpenMP threads', positiveInteger)
    .option('--cache-dir <dir>', 'dataset cache directory')
    .action(async (flags: { checkpoint: string; split: string; out?: string; json?: boolean; threads?: number; cacheDir?: string }) => {
      if (!['train', 'valid', 'test', 'all'].includes(flags.split)) throw new Error(`--split: expected train, valid, test or all, got "${flags.split}"`);
      const ckpt = readCheckpoint(flags.checkpoint);
      const outFile = flags.json ? null : evaluationFile(flags.out, flags.checkpoint);
      if (outFile !== null) ensureWritableDir(path.dirname(outFile));
      const data = await loadDataset(ckpt.config.dataset, { cacheDir: flags.cacheDir, log: (m) => process.stderr.write(`${m}\n`) });
      const net = new Network(ckpt.network, { threads: flags.threads ?? ckpt.config.threads, memory: ckpt.config.memory });
      // A finished run's parameters are its best weights; an interrupted run's best are kept separately.
      net.setParameters(keptParameters(ckpt));
      const splits = flags.split === 'all' ? (['train', 'valid', 'test'] as const) : [flags.split as 'train' | 'valid' | 'test'];
      const started = performance.now();
      const metrics: Partial<Record<'train' | 'valid' | 'test', SplitMetrics>> = {};
      for (const s of splits) metrics[s] = await evaluate(net, data.splits[s], ckpt.config.evalBatchSize, ckpt.config.regularizers);
      const results = {
        config: ckpt.config,
        network: ckpt.network,
        checkpoint: path.resolve(flags.checkpoint),
        ...metrics,
        epochs: ckpt.state.epoch,
        bestEpoch: ckpt.state.best?.epoch ?? null,
        wallSeconds: (performance.now() - started) / 1000,
      };
      await net.dispose();
      if (outFile === null) {
        process.stdout.write(`${JSON.stringify(results)}\n`);
        return;
      }
      writeFileAtomic(outFile, `${JSON.stringify(results, null, 2)}\n`);
      for (const s of splits) {
        const m = metrics[s]!;
        process.stdout.write(`${s.padEnd(5)}  accuracy ${m.accuracy.toFixed(4)}  loss ${m.loss.toFixed(4)}  spikes/neuron ${m.spikesPerNeuron.map((x) => x.toFixed(2)).join('/')}  (${m.samples} samples)\n`);
      }
      process.stdout.write(`wrote ${outFile}\n`);
    });
}

export const EVAL_FILE = 'eval.json';

/** Where an evaluation goes: a file, or eval.json in a directory; never a run's results.json. */
function evaluationFile(out: string | undefined, checkpoint: string): string {
  const file = out === undefined ? path.join(path.dirname(checkpoint), EVAL_FILE) : existsSync(out) && statSync(out).isDirectory() ? path.join(out, EVAL_FILE) : out;
  if (path.basename(file) === RESULTS_FILE) {
    throw new ConfigError('eval', [{ path: 'out', message: `${file}: ${RESULTS_FILE} is a training run's record and is never overwritten by an evaluation; choose another file name` }]);
  }
  return file;
}
