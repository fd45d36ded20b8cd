/**
 * Model files: a trained network's config and weights, chosen by extension.
 *
 * - `.safetensors`: the weights as float32 tensors named like `Network.parameters`, shaped [rows, cols] in
 *   spikegrad's input-major layout ([fan_in][fan_out]: `hidden.0.input` is [inputs, size]); the network config
 *   is JSON in the header's metadata (`spikegrad.network`), with the format version (`spikegrad.format`) and
 *   the layout (`spikegrad.layout`). Any safetensors reader gets the tensors; spikegrad rebuilds the network.
 * - `.nir`: the Neuromorphic Intermediate Representation graph (src/io/nir.ts), read by snnTorch, Norse,
 *   SpikingJelly, Lava and hardware toolchains; NIR files of the same family from other writers are read too.
 * - `.sgck`: a training checkpoint (read only): the weights the run kept (best on validation).
 */
import path from 'node:path';

import { type NetworkConfig, parameterShapesOf, parseNetworkConfig } from '../model/config.js';
import { ConfigError } from '../util/errors.js';
import { keptParameters, readCheckpoint } from './checkpoint.js';
import { type NirImportOptions, readNir, writeNir } from './nir.js';
import { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors.js';

/** The version of spikegrad's model metadata in a .safetensors file (`spikegrad.format`). */
export const MODEL_FORMAT_VERSION = '1';
const LAYOUT = 'input-major: [fan_in][fan_out], row-major';

/** The file kinds `Network.save` writes and `Network.load` reads. */
export const MODEL_EXTENSIONS = { write: ['.safetensors', '.nir'], read: ['.safetensors', '.nir', '.sgck'] } as const;

function extensionOf(file: string, allowed: readonly string[], verb: string): string {
  const ext = path.extname(file).toLowerCase();
  if (!allowed.includes(ext)) {
    throw new ConfigError('model file', [{ path: file, message: `cannot ${verb} "${ext || 'no extension'}" files; expected ${allowed.join(' or ')}` }]);
  }
  return ext;
}

/** Writes a network's config and weights; the format comes from the extension. */
export async function saveModel(file: string, config: NetworkConfig, parameters: Readonly<Record<string, Float32Array>>): Promise<void> {
  if (extensionOf(file, MODEL_EXTENSIONS.write, 'write') === '.nir') {
    await writeNir(file, config, parameters);
    return;
  }
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const p of parameterShapesOf(config)) tensors[p.name] = { shape: [p.rows, p.cols], data: parameters[p.name] };
  writeSafetensors(file, tensors, { 'spikegrad.format': MODEL_FORMAT_VERSION, 'spikegrad.network': JSON.stringify(config), 'spikegrad.layout': LAYOUT });
}

/** A model file's network config and weights, checked against each other. `dt` applies to foreign NIR files. */
export async function readModel(file: string, options: NirImportOptions = {}): Promise<{ config: NetworkConfig; parameters: Record<string, Float32Array> }> {
  const ext = extensionOf(file, MODEL_EXTENSIONS.read, 'read');
  if (ext === '.nir') return readNir(file, options);
  if (ext === '.sgck') {
    const ckpt = readCheckpoint(file);
    return { config: ckpt.network, parameters: keptParameters(ckpt) };
  }
  const { tensors, metadata } = readSafetensors(file);
  const raw = metadata['spikegrad.network'];
  if (raw === undefined) {
    throw new SafetensorsError(file, 'holds no spikegrad network (metadata "spikegrad.network"); weights alone do not say how to run them');
  }
  if (metadata['spikegrad.format'] !== MODEL_FORMAT_VERSION) {
    throw new SafetensorsError(file, `spikegrad model format ${metadata['spikegrad.format']}, this spikegrad reads ${MODEL_FORMAT_VERSION}`);
  }
  let config: NetworkConfig;
  try {
    config = parseNetworkConfig(JSON.parse(raw));
  } catch (err) {
    throw new SafetensorsError(file, `its network config is invalid: ${(err as Error).message}`);
  }
  const parameters: Record<string, Float32Array> = {};
  const expected = parameterShapesOf(config);
  for (const p of expected) {
    const t = tensors[p.name];
    if (!t) throw new SafetensorsError(file, `tensor ${p.name} is missing`);
    if (t.shape.length !== 2 || t.shape[0] !== p.rows || t.shape[1] !== p.cols) {
      throw new SafetensorsError(file, `tensor ${p.name}: shape [${t.shape.join(', ')}], the network needs [${p.rows}, ${p.cols}]`);
    }
    parameters[p.name] = t.data;
  }
  const extra = Object.keys(tensors).filter((n) => !expected.some((p) => p.name === n));
  if (extra.length > 0) throw new SafetensorsError(file, `tensors ${extra.join(', ')} are not parameters of its network`);
  return { config, parameters };
}
