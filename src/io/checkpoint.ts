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

import type { NetworkConfig } from '../model/config.js';
import type { EpochRecord, TrainerState } from '../train/trainer.js';
import type { TrainConfig } from '../train/train-config.js';
import { writeFileAtomic } from '../util/atomic-write.js';

const MAGIC = 'SPKGRDCK';
export const CHECKPOINT_VERSION = 1;

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

export class CheckpointError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CheckpointError';
  }
}

const pad8 = (n: number) => (n + 7) & ~7;

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
  let header: {
    spikegrad: string;
    createdAt: string;
    config: TrainConfig;
    network: NetworkConfig;
    rng: Checkpoint['rng'];
    state: Omit<TrainerState, 'bestParameters' | 'optimizer'> & { optimizerStep: number; hasBest: boolean };
    finished: boolean;
    tensors: TensorEntry[];
  };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 8, MAGIC.length + 8 + headerLength));
  } catch {
    throw new CheckpointError(file, 'corrupt checkpoint (unreadable header)');
  }
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
  const history: EpochRecord[] = rest.history;
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
