import type { Command } from 'commander';

import type { Communicator } from '../distributed/communicator.js';
import { MpiCommunicator } from '../distributed/mpi.js';
import { defaultRunDir, runTraining } from '../train/run.js';
import { ConfigError } from '../util/errors.js';
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
  distributed?: string;
  mpiTimeout?: number;
}

/** Seconds, > 0. */
function seconds(value: string): number {
  const x = Number(value);
  if (!(Number.isFinite(x) && x > 0)) throw new Error(`--mpi-timeout: expected a positive number of seconds, got "${value}"`);
  return x;
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
    .option('--no-cache', 'rebuild the data set without the cache')
    .option('--distributed <kind>', "'mpi': data-parallel over the ranks of an mpirun/srun job (every rank runs this command)")
    .option('--mpi-timeout <seconds>', 'with --distributed mpi: abort the job when the other ranks do not answer within this time (default 600)', seconds);
  addTrainFlags(cmd);
  addDatasetFlags(cmd);
  cmd.action(async (flags: TrainFlags, command: Command) => {
    if (!['auto', 'bar', 'lines', 'none'].includes(flags.progress)) throw new Error(`--progress: expected auto, bar, lines or none, got "${flags.progress}"`);
    const file = flags.config ? readConfigFile(flags.config) : {};
    const fileDataset = typeof file.dataset === 'object' && file.dataset !== null ? (file.dataset as Record<string, unknown>) : undefined;
    const dataset = datasetConfigFromFlags(flags.dataset, flags, fileDataset);
    // A bare --resume takes everything from the checkpoint; any config or option given must match it.
    const neutral = new Set(['resume', 'out', 'force', 'threads', 'progress', 'json', 'cacheDir', 'cache', 'distributed', 'mpiTimeout']);
    const givenOptions = command.options.some((o) => !neutral.has(o.attributeName()) && command.getOptionValueSource(o.attributeName()) === 'cli');
    const config = flags.resume && !givenOptions ? undefined : applyTrainFlags(file, flags, dataset);
    if (flags.resume && flags.out === undefined) throw new Error('--resume needs --out <dir> with the run to continue');
    if (flags.distributed !== undefined && flags.distributed !== 'mpi') {
      throw new ConfigError('command line', [{ path: 'distributed', message: `expected "mpi", got "${flags.distributed}"` }]);
    }
    if (flags.mpiTimeout !== undefined && flags.distributed === undefined) throw new Error('--mpi-timeout needs --distributed mpi');
    if (flags.distributed && flags.out === undefined) {
      // Every rank must name the same directory; a default one carries each rank's own clock.
      throw new Error('--distributed mpi needs --out <dir>, the same on every rank (rank 0 writes there)');
    }
    const comm: Communicator | undefined = flags.distributed ? new MpiCommunicator({ timeoutSeconds: flags.mpiTimeout }) : undefined;
    const lead = !comm || comm.rank === 0;
    const out = flags.out ?? defaultRunDir(String(dataset.name));
    let epochs = 0;
    // The run's resolved config names the epochs (a default or a resumed run's), known once the run starts.
    const progress = createProgress(!lead ? 'none' : flags.json ? 'json' : flags.progress, () => epochs);
    try {
      const results = await runTraining(config, {
        out,
        resume: flags.resume,
        force: flags.force,
        threads: flags.threads,
        cacheDir: flags.cacheDir,
        cache: flags.cache,
        log: (m) => (lead ? process.stderr.write(`${m}\n`) : undefined),
        ...(comm ? { distributed: comm } : {}),
        onBatch: (p) => progress.onBatch(p),
        onStart: (resolved) => {
          epochs = resolved.epochs;
          if (comm && lead) process.stderr.write(`data-parallel over ${comm.size} MPI ranks (batch ${resolved.batchSize} split into shards of ${Math.floor(resolved.batchSize / comm.size)}-${Math.ceil(resolved.batchSize / comm.size)})\n`);
          if (flags.json && lead) process.stdout.write(`${JSON.stringify({ type: 'start', out, config: resolved })}\n`);
        },
        onEpoch: (r) => progress.onEpoch(r),
      });
      progress.stop();
      comm?.close();
      if (!lead) return;
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
    } catch (err) {
      if (!comm || comm.size === 1) throw err;
      // The other ranks would wait for this one in their next collective: end the whole job now, saying why.
      progress.stop();
      process.stderr.write(`spikegrad: rank ${comm.rank} of ${comm.size}: ${err instanceof Error ? err.message : String(err)}\n`);
      comm.abort(err instanceof ConfigError ? 2 : 1);
    } finally {
      progress.stop();
    }
  });
}
