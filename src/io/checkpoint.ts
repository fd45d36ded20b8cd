/**
 * Checkpoints: everything needed to continue a run exactly or to evaluate it later: the run config, the resolved
 * network config, the trainer state (epoch, history, best score, early-stopping counter, optimizer step and state
 * arrays, the shuffling stream's position), the current and the best parameters. Written atomically.
 *
 * Layout: "SPKGRDCK", uint32 format version, uint32 header length, header JSON (with a table of the tensors that
 * follow), float32 tensors padded to 8 bytes, and the SHA-256 of everything before it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { type NetworkConfig, parameterShapesOf, parseNetworkConfig } from '../model/config.js';
import type { EpochRecord, TrainerState } from '../train/trainer.js';
import { parseTrainConfig, type TrainConfig } from '../train/train-config.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ConfigError } from '../util/errors.js';
import { parseWithSchema } from '../util/validate.js';

const MAGIC = 'SPKGRDCK';
/** The checkpoint format version this spikegrad reads and writes. */
export const CHECKPOINT_VERSION = 1;

/**
 * Everything needed to continue a run exactly or to evaluate it: configs, trainer state, current and best
 * parameters (docs/design.md section 7).
 */
export interface Checkpoint {
  version: number;
  spikegrad: string;
  createdAt: string;
  config: TrainConfig;
  network: NetworkConfig;
  /** The shuffling stream: epoch e uses deriveSeed(seed, 'epoch', e); `nextEpoch` is where a resume continues. */
  rng: { kind: 'derived-per-epoch'; seed: number; nextEpoch: number };
  state: TrainerState;
  parameters: Record<string, Float32Array>;
  finished: boolean;
}

interface TensorEntry {
  group: 'parameters' | 'best' | 'optimizer';
  name: string;
  slot?: string;
  length: number;
}

/** A checkpoint that cannot be read or trusted; the message names the file and what is wrong. */
/** The weights a run kept: a finished run's parameters are its best ones; an interrupted run keeps its best apart. */
export function keptParameters(ckpt: Checkpoint): Record<string, Float32Array> {
  return ckpt.finished ? ckpt.parameters : (ckpt.state.bestParameters ?? ckpt.parameters);
}

/** A checkpoint that cannot be read or trusted; the message names the file and what is wrong. */
export class CheckpointError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CheckpointError';
  }
}

const pad8 = (n: number) => (n + 7) & ~7;

const count = z.number().int().min(0);
const SplitMetricsSchema = z
  .object({
    samples: count,
    loss: z.number(),
    crossEntropy: z.number(),
    regularization: z.number(),
    accuracy: z.number().min(0).max(1),
    spikesPerNeuron: z.array(z.number()),
    silentFraction: z.array(z.number()),
  })
  .loose();
const EpochRecordSchema = z
  .object({
    epoch: z.number().int().min(1),
    lr: z.number(),
    train: SplitMetricsSchema,
    valid: SplitMetricsSchema.optional(),
    seconds: z.number().min(0),
    samplesPerSecond: z.number().min(0),
    best: z.boolean(),
  })
  .loose();
/** The header's structure: a damaged or hand-edited header fails here, naming the field, not later in training. */
const HeaderSchema = z.object({
  spikegrad: z.string(),
  createdAt: z.string(),
  config: z.unknown(),
  network: z.unknown(),
  rng: z.object({ kind: z.literal('derived-per-epoch'), seed: count, nextEpoch: count }),
  state: z
    .object({
      epoch: count,
      history: z.array(EpochRecordSchema),
      best: z.object({ epoch: count, score: z.number() }).nullable(),
      sinceImprovement: count,
      stopped: z.literal('early-stopping').nullable(),
      optimizerStep: count,
      hasBest: z.boolean(),
    })
    .loose(),
  finished: z.boolean(),
  tensors: z.array(
    z.object({ group: z.enum(['parameters', 'best', 'optimizer']), name: z.string(), slot: z.string().optional(), length: count }).strict(),
  ),
});

/** Writes a checkpoint atomically (temp file and rename). */
export function writeCheckpoint(file: string, ckpt: Checkpoint): void {
  const tensors: { entry: TensorEntry; data: Float32Array }[] = [];
  for (const [name, data] of Object.entries(ckpt.parameters)) tensors.push({ entry: { group: 'parameters', name, length: data.length }, data });
  for (const [name, data] of Object.entries(ckpt.state.bestParameters ?? {})) tensors.push({ entry: { group: 'best', name, length: data.length }, data });
  for (const [name, slots] of Object.entries(ckpt.state.optimizer.slots)) {
    for (const [slot, data] of Object.entries(slots)) tensors.push({ entry: { group: 'optimizer', name, slot, length: data.length }, data });
  }
  const { bestParameters: _b, optimizer, ...state } = ckpt.state;
  const header = Buffer.from(
    JSON.stringify({
      spikegrad: ckpt.spikegrad,
      createdAt: ckpt.createdAt,
      config: ckpt.config,
      network: ckpt.network,
      rng: ckpt.rng,
      state: { ...state, optimizerStep: optimizer.step, hasBest: ckpt.state.bestParameters !== null },
      finished: ckpt.finished,
      tensors: tensors.map((t) => t.entry),
    }),
  );
  const prefix = Buffer.alloc(pad8(MAGIC.length + 8 + header.length));
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(CHECKPOINT_VERSION, MAGIC.length);
  prefix.writeUInt32LE(header.length, MAGIC.length + 4);
  header.copy(prefix, MAGIC.length + 8);
  const chunks: Uint8Array[] = [prefix];
  const hash = createHash('sha256').update(prefix);
  for (const { data } of tensors) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const padding = new Uint8Array(pad8(bytes.length) - bytes.length);
    chunks.push(bytes, padding);
    hash.update(bytes).update(padding);
  }
  chunks.push(hash.digest());
  writeFileAtomic(file, chunks);
}

/**
 * Reads and checks a checkpoint: magic, version, SHA-256, the header against the schemas of a fresh run, and every
 * tensor against the network's shapes.
 */
export function readCheckpoint(file: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new CheckpointError(file, `cannot read the checkpoint (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (buf.length < MAGIC.length + 8 || buf.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new CheckpointError(file, 'not a spikegrad checkpoint');
  }
  const version = buf.readUInt32LE(MAGIC.length);
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      file,
      `checkpoint format version ${version} is ${version > CHECKPOINT_VERSION ? 'newer than' : 'not'} the version this spikegrad reads (${CHECKPOINT_VERSION})`,
    );
  }
  if (buf.length < MAGIC.length + 8 + 32) throw new CheckpointError(file, 'corrupt checkpoint (truncated)');
  const digest = createHash('sha256').update(buf.subarray(0, buf.length - 32)).digest();
  if (!digest.equals(buf.subarray(buf.length - 32))) throw new CheckpointError(file, 'corrupt checkpoint (checksum mismatch: the file was damaged or cut short)');
  const headerLength = buf.readUInt32LE(MAGIC.length + 4);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8', MAGIC.length + 8, MAGIC.length + 8 + headerLength));
  } catch {
    throw new CheckpointError(file, 'corrupt checkpoint (unreadable header)');
  }
  const header = validateHeader(file, raw);
  let at = pad8(MAGIC.length + 8 + headerLength);
  const end = buf.length - 32;
  const parameters: Record<string, Float32Array> = {};
  const best: Record<string, Float32Array> = {};
  const slots: Record<string, Record<string, Float32Array>> = {};
  for (const t of header.tensors) {
    const bytes = t.length * 4;
    if (at + bytes > end) throw new CheckpointError(file, 'corrupt checkpoint (tensor data truncated)');
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes) as ArrayBuffer);
    at += pad8(bytes);
    if (t.group === 'parameters') parameters[t.name] = data;
    else if (t.group === 'best') best[t.name] = data;
    else (slots[t.name] ??= {})[t.slot!] = data;
  }
  if (at !== end) throw new CheckpointError(file, 'corrupt checkpoint (unexpected trailing data)');
  const { optimizerStep, hasBest, ...rest } = header.state;
  const history = rest.history as EpochRecord[];
  checkTensors(file, header.network, parameters, hasBest ? best : null, slots);
  return {
    version,
    spikegrad: header.spikegrad,
    createdAt: header.createdAt,
    config: header.config,
    network: header.network,
    rng: header.rng,
    state: { ...rest, history, bestParameters: hasBest ? best : null, optimizer: { step: optimizerStep, slots } },
    parameters,
    finished: header.finished,
  };
}

/** The header checked with the schemas of a fresh run: the run config, the network config and the trainer state. */
function validateHeader(file: string, raw: unknown) {
  const fail = (err: unknown): never => {
    if (err instanceof ConfigError) throw new CheckpointError(file, `invalid checkpoint header: ${err.message.replace(/^invalid /, '')}`);
    throw err;
  };
  let header: z.output<typeof HeaderSchema>;
  let config: TrainConfig;
  let network: NetworkConfig;
  try {
    header = parseWithSchema(HeaderSchema, raw, 'header');
    config = parseTrainConfig(header.config);
    network = parseNetworkConfig(header.network);
  } catch (err) {
    return fail(err);
  }
  const { state } = header;
  const issues: string[] = [];
  if (state.epoch > config.epochs) issues.push(`state.epoch: ${state.epoch} completed epochs, more than the config's ${config.epochs}`);
  if (state.history.length !== state.epoch) issues.push(`state.history: expected one record per completed epoch (${state.epoch}), got ${state.history.length}`);
  state.history.forEach((r, i) => {
    if (r.epoch !== i + 1) issues.push(`state.history[${i}].epoch: expected ${i + 1}, got ${r.epoch}`);
  });
  if (header.rng.nextEpoch !== state.epoch) issues.push(`rng.nextEpoch: expected the completed epochs (${state.epoch}), got ${header.rng.nextEpoch}`);
  if (issues.length > 0) throw new CheckpointError(file, `invalid checkpoint header:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  return { ...header, config, network, state: state as typeof state & Omit<TrainerState, 'bestParameters' | 'optimizer'> };
}

/** Every tensor the network has, with its size: parameters, the best copy and each optimizer slot. */
function checkTensors(
  file: string,
  network: NetworkConfig,
  parameters: Record<string, Float32Array>,
  best: Record<string, Float32Array> | null,
  slots: Record<string, Record<string, Float32Array>>,
): void {
  const expected = new Map(parameterShapesOf(network).map((p) => [p.name, p.rows * p.cols]));
  const issues: string[] = [];
  const check = (group: string, tensors: Record<string, Float32Array>) => {
    for (const [name, length] of expected) {
      if (tensors[name] === undefined) issues.push(`${group}['${name}']: missing`);
      else if (tensors[name].length !== length) issues.push(`${group}['${name}']: expected ${length} values for the network in the header, got ${tensors[name].length}`);
    }
    for (const name of Object.keys(tensors)) if (!expected.has(name)) issues.push(`${group}['${name}']: not a parameter of the network in the header`);
  };
  check('parameters', parameters);
  if (best !== null) check('best', best);
  for (const [name, perSlot] of Object.entries(slots)) {
    for (const [slot, data] of Object.entries(perSlot)) {
      if (expected.get(name) !== data.length) issues.push(`optimizer['${name}'].${slot}: expected ${expected.get(name) ?? 'no'} values, got ${data.length}`);
    }
  }
  if (issues.length > 0) throw new CheckpointError(file, `invalid checkpoint tensors:\n${issues.slice(0, 20).map((i) => `  - ${i}`).join('\n')}`);
}
