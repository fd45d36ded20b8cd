/** `spikegrad train` flags, mapped onto the training config (flags override a --config file). */
import { type Command, InvalidArgumentError } from 'commander';

import { REGULARIZER_KINDS } from '../model/regularizers.js';
import { integer, integerList, number, positiveInteger } from './parse-flags.js';

/** "kind:strength:threshold[:power[:layer]]", e.g. "lower:100:0.001:2". */
export function regularizerFlag(value: string, previous: unknown[] = []): unknown[] {
  const [kind, strength, threshold, power, layer] = value.split(':');
  if (!(REGULARIZER_KINDS as readonly string[]).includes(kind) || strength === undefined || threshold === undefined) {
    throw new InvalidArgumentError(`expected kind:strength:threshold[:power[:layer]] with kind one of ${REGULARIZER_KINDS.join(', ')}, got "${value}"`);
  }
  const reg: Record<string, unknown> = { kind, strength: number(strength), threshold: number(threshold) };
  if (power !== undefined) reg.power = integer(power);
  if (layer !== undefined) reg.layer = integer(layer);
  return [...previous, reg];
}

export function addTrainFlags(cmd: Command): Command {
  return cmd
    .option('--dataset <name>', 'data set: randman (default), fashion-mnist, mnist, shd, ssc')
    .option('--layers <sizes>', 'hidden layer sizes, e.g. 100 or 128,128', integerList)
    .option('--recurrent', 'make every hidden layer recurrent')
    .option('--recurrent-gradient <mode>', "recurrent layers: 'propagate' or 'detached'")
    .option('--surrogate <shape>', 'superspike, sigmoid, esser, exponential, gaussian or zero')
    .option('--scale <beta>', 'surrogate scale beta (0: constant surrogate)', number)
    .option('--asymptotic', 'non-normalized surrogate: h multiplied by beta')
    .option('--reset <mode>', "'detached' or 'differentiable'")
    .option('--readout <reduction>', 'max, sum, mean or last')
    .option('--tau-mem <seconds>', 'membrane time constant', number)
    .option('--tau-syn <seconds>', 'synaptic time constant', number)
    .option('--init <kind>', 'uniform, normal or fluctuation')
    .option('--init-gain <g>', 'uniform/normal: scale of 1/sqrt(fan_in)', number)
    .option('--sigma-u <x>', 'fluctuation init: target membrane standard deviation', number)
    .option('--optimizer <kind>', 'adam, adamax, sgd or smorms3')
    .option('--lr <x>', 'learning rate', number)
    .option('--momentum <x>', 'sgd: momentum', number)
    .option('--schedule <kind>', 'constant, step or cosine')
    .option('--step-size <epochs>', 'step schedule: epochs between decays', positiveInteger)
    .option('--gamma <x>', 'step schedule: decay factor', number)
    .option('--min-lr <x>', 'cosine schedule: final learning rate', number)
    .option('--warmup-epochs <x>', 'any schedule: linear warm-up of the learning rate over this many epochs', number)
    .option('--epochs <n>', 'training epochs', positiveInteger)
    .option('--batch-size <n>', 'training batch size', positiveInteger)
    .option('--eval-batch-size <n>', 'batch size of validation and test passes', positiveInteger)
    .option('--clip-norm <x>', 'clip the global gradient norm', number)
    .option('--weight-decay <x>', 'L2 weight decay', number)
    .option('--regularizer <spec>', 'activity regularizer kind:strength:threshold[:power[:layer]] (repeatable)', regularizerFlag)
    .option('--no-regularizers', 'train without activity regularizers')
    .option('--early-stopping <patience>', 'stop after this many epochs without validation improvement', positiveInteger)
    .option('--seed <n>', 'seed of initialization and shuffling', integer)
    .option('--memory <mode>', "BPTT state: 'exact' (float32) or 'compact' (16 bits, for long sequences)");
}

type Flags = Record<string, unknown>;

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined || typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Applies the flags that were given onto a config object (from a file or empty). */
export function applyTrainFlags(base: Record<string, unknown>, flags: Flags, dataset: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(base);
  c.dataset = dataset;
  const set = (keys: string[], flag: string, map: (v: unknown) => unknown = (v) => v) => {
    if (flags[flag] !== undefined) setPath(c, keys, map(flags[flag]));
  };
  if (flags.layers !== undefined) {
    const sizes = flags.layers as number[];
    const previous = ((c.network as Flags | undefined)?.layers as Flags[] | undefined) ?? [];
    setPath(c, ['network', 'layers'], sizes.map((size, i) => ({ ...(previous[i] ?? {}), size })));
  }
  if (flags.recurrent || flags.recurrentGradient !== undefined) {
    const layers = (((c.network as Flags | undefined)?.layers as Flags[] | undefined) ?? [{ size: 100 }]).map((l) => ({
      ...l,
      ...(flags.recurrent ? { recurrent: true } : {}),
      ...(flags.recurrentGradient !== undefined ? { recurrentGradient: flags.recurrentGradient } : {}),
    }));
    setPath(c, ['network', 'layers'], layers);
  }
  set(['network', 'surrogate', 'shape'], 'surrogate');
  set(['network', 'surrogate', 'scale'], 'scale');
  if (flags.asymptotic) setPath(c, ['network', 'surrogate', 'normalized'], false);
  set(['network', 'reset'], 'reset');
  set(['network', 'readout'], 'readout');
  set(['network', 'neuron', 'tauMem'], 'tauMem');
  set(['network', 'neuron', 'tauSyn'], 'tauSyn');
  if (flags.init !== undefined) setPath(c, ['network', 'init'], { kind: flags.init });
  set(['network', 'init', 'gain'], 'initGain');
  set(['network', 'init', 'sigmaU'], 'sigmaU');
  if (flags.optimizer !== undefined) setPath(c, ['optimizer'], { kind: flags.optimizer });
  set(['optimizer', 'momentum'], 'momentum');
  set(['lr'], 'lr');
  if (flags.schedule !== undefined) setPath(c, ['schedule'], { kind: flags.schedule });
  set(['schedule', 'stepSize'], 'stepSize');
  set(['schedule', 'gamma'], 'gamma');
  set(['schedule', 'minLr'], 'minLr');
  set(['schedule', 'warmupEpochs'], 'warmupEpochs');
  set(['epochs'], 'epochs');
  set(['batchSize'], 'batchSize');
  set(['evalBatchSize'], 'evalBatchSize');
  set(['clipNorm'], 'clipNorm');
  set(['weightDecay'], 'weightDecay');
  if (flags.regularizers === false) c.regularizers = [];
  set(['regularizers'], 'regularizer');
  if (flags.earlyStopping !== undefined) setPath(c, ['earlyStopping'], { patience: flags.earlyStopping });
  set(['seed'], 'seed');
  set(['memory'], 'memory');
  set(['threads'], 'threads');
  return c;
}
