import type { Command } from 'commander';

import { defaultRunDir, runTraining } from '../train/run.js';
import { readConfigFile } from '../util/config-file.js';
import { addDatasetFlags, datasetConfigFromFlags } from './dataset-flags.js';
import { positiveInteger } from './parse-flags.js';
import { createProgress, type ProgressMode } from './progress.js';
import { addTrainFlags, applyTrainFlags } from './train-flags.js';

interface TrainFlags extends Record<string, unknown> {
  config?: string;
  out?: string;
  resume?: boolean;
  force?: boolean;
  threads?: number;
  progress: ProgressMode;
  json?: boolean;
  cacheDir?: string;
  cache: boolean;
  dataset?: string;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description("train a network; with no options, the paper's Randman task (20-100-10, SuperSpike, Adam)")
    .option('--config <file>', 'JSON or YAML training config (flags override it)')
    .option('--out <dir>', 'output directory for checkpoint.sgck, metrics.jsonl, results.json (default: a new runs/<dataset>-<time>)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start over in an --out that already holds a run')
    .option('--threads <n>', 'OpenMP threads (default: all cores; results do not depend on it)', positiveInteger)
    .option('--progress <mode>', 'auto, bar, lines or none', 'auto')
    .option('--json', 'print JSON lines on stdout (start, one per epoch with a run ETA, the result) instead of text')
    .option('--cache-dir <dir>', 'dataset cache directory')
    .option('--no-cache', 'rebuild the data set without the cache');
  addTrainFlags(cmd);
  addDatasetFlags(cmd);
  cmd.action(async (flags: TrainFlags, command: Command) => {
    if (!['auto', 'bar', 'lines', 'none'].includes(flags.progress)) throw new Error(`--progress: expected auto, bar, lines or none, got "${flags.progress}"`);
    const file = flags.config ? readConfigFile(flags.config) : {};
    const fileDataset = typeof file.dataset === 'object' && file.dataset !== null ? (file.dataset as Record<string, unknown>) : undefined;
    const dataset = datasetConfigFromFlags(flags.dataset, flags, fileDataset);
    // A bare --resume takes everything from the checkpoint; any config or option given must match it.
    const neutral = new Set(['resume', 'out', 'force', 'threads', 'progress', 'json', 'cacheDir', 'cache']);
    const givenOptions = command.options.some((o) => !neutral.has(o.attributeName()) && command.getOptionValueSource(o.attributeName()) === 'cli');
    const config = flags.resume && !givenOptions ? undefined : applyTrainFlags(file, flags, dataset);
    if (flags.resume && flags.out === undefined) throw new Error('--resume needs --out <dir> with the run to continue');
    const out = flags.out ?? defaultRunDir(String(dataset.name));
    let epochs = 0;
    // The run's resolved config names the epochs (a default or a resumed run's), known once the run starts.
    const progress = createProgress(flags.json ? 'json' : flags.progress, () => epochs);
    try {
      const results = await runTraining(config, {
        out,
        resume: flags.resume,
        force: flags.force,
        threads: flags.threads,
        cacheDir: flags.cacheDir,
        cache: flags.cache,
        log: (m) => process.stderr.write(`${m}\n`),
        onBatch: (p) => progress.onBatch(p),
        onStart: (resolved) => {
          epochs = resolved.epochs;
          if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'start', out, config: resolved })}\n`);
        },
        onEpoch: (r) => progress.onEpoch(r),
      });
      progress.stop();
      if (flags.json) {
        const { history: _history, ...summary } = results;
        process.stdout.write(`${JSON.stringify({ type: 'done', out, results: `${out}/results.json`, ...summary })}\n`);
        return;
      }
      const spikes = results.test.spikesPerNeuron.map((s) => s.toFixed(2)).join('/');
      process.stdout.write(
        `${results.dataset.name}: test accuracy ${results.test.accuracy.toFixed(4)}  (valid ${results.valid.accuracy.toFixed(4)}, ` +
          `train ${results.train.accuracy.toFixed(4)}; best epoch ${results.bestEpoch ?? '-'} of ${results.epochs})\n` +
          `test loss ${results.test.loss.toFixed(4)}  spikes/neuron/sample ${spikes}  ${results.wallSeconds.toFixed(1)} s\n` +
          `wrote ${out}/results.json\n`,
      );
    } finally {
      progress.stop();
    }
  });
}
