import path from 'node:path';

import type { Command } from 'commander';

import { loadDataset } from '../data/registry.js';
import { readCheckpoint } from '../io/checkpoint.js';
import { Network } from '../model/network.js';
import { evaluate, type SplitMetrics } from '../train/metrics.js';
import { ensureWritableDir, RESULTS_FILE } from '../train/run.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { positiveInteger } from './parse-flags.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate the weights of a checkpoint on its data set and write results.json')
    .requiredOption('--checkpoint <file>', 'a checkpoint.sgck written by spikegrad train')
    .option('--split <split>', 'train, valid, test or all', 'all')
    .option('--out <dir>', 'where to write results.json (default: the checkpoint directory)')
    .option('--threads <n>', 'OpenMP threads', positiveInteger)
    .option('--cache-dir <dir>', 'dataset cache directory')
    .action(async (flags: { checkpoint: string; split: string; out?: string; threads?: number; cacheDir?: string }) => {
      if (!['train', 'valid', 'test', 'all'].includes(flags.split)) throw new Error(`--split: expected train, valid, test or all, got "${flags.split}"`);
      const ckpt = readCheckpoint(flags.checkpoint);
      const out = flags.out ?? path.dirname(flags.checkpoint);
      ensureWritableDir(out);
      const data = await loadDataset(ckpt.config.dataset, { cacheDir: flags.cacheDir, log: (m) => process.stderr.write(`${m}\n`) });
      const net = new Network(ckpt.network, { threads: flags.threads ?? ckpt.config.threads, memory: ckpt.config.memory });
      // A finished run's parameters are its best weights; an interrupted run's best are kept separately.
      net.setParameters(ckpt.finished ? ckpt.parameters : (ckpt.state.bestParameters ?? ckpt.parameters));
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
      writeFileAtomic(path.join(out, RESULTS_FILE), `${JSON.stringify(results, null, 2)}\n`);
      for (const s of splits) {
        const m = metrics[s]!;
        process.stdout.write(`${s.padEnd(5)}  accuracy ${m.accuracy.toFixed(4)}  loss ${m.loss.toFixed(4)}  spikes/neuron ${m.spikesPerNeuron.map((x) => x.toFixed(2)).join('/')}  (${m.samples} samples)\n`);
      }
      process.stdout.write(`wrote ${path.join(out, RESULTS_FILE)}\n`);
      await net.dispose();
    });
}
