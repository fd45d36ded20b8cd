/**
 * NIR (Neuromorphic Intermediate Representation) files: the HDF5 graph format of the `nir` package, read and
 * written by snnTorch, Norse, SpikingJelly, Lava, Spyx and neuromorphic toolchains.
 *
 * Export: `input` -> per hidden layer a `Linear` (weight [out][in]) into a `CubaLIF` (a recurrent layer is a
 * subgraph {input, lif, w_rec, output} with the edge lif -> w_rec -> lif, as snnTorch exports RSynaptic) -> a
 * `Linear` into the readout `CubaLI` -> `output`. NIR nodes are continuous-time; spikegrad's discrete model
 * (docs/design.md section 8) is what a forward-Euler simulation at step dt gives with tau_nir = dt / (1 - a)
 * (a = exp(-dt/tau), spikegrad's decay), r = 1 and w_in = 1 / (1 - a_syn), v_leak = v_reset = 0: the Euler
 * update of I is then a_syn I + W x and that of v is a_mem v + (1 - a_mem) I. The graph metadata holds dt, the
 * original time constants, the network config and what NIR cannot express (the readout's time reduction, the
 * surrogate, the reset's gradient).
 *
 * Import: graphs of that family from any writer. A per-neuron r and w_in are folded into the incoming weights
 * (exact up to float rounding); anything spikegrad cannot simulate exactly (another node type, a leak or reset
 * voltage other than 0, time constants that differ between neurons or layers, branches) is refused with the node
 * named, never approximated.
 */
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import { createHdf5, type Hdf5Tree, type Hdf5Value, isHdf5Value } from '../data/hdf5.js';
import { readTreeInWorker } from '../data/hdf5-worker-client.js';
import { type NetworkConfig, parameterShapesOf, parseNetworkConfig } from '../model/config.js';

/** A NIR file spikegrad cannot read or simulate exactly; the message names the file and the node. */
export class NirError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'NirError';
  }
}

/** The NIR version spikegrad writes (the `nir` package's file format 1.x). */
export const NIR_VERSION = '1.0.0';

type Params = Record<string, { shape: number[]; data: Float32Array | number[] | string[] | string }>;
interface GraphNode {
  type: string;
  params: Params;
  nodes?: Record<string, GraphNode>;
  edges?: [string, string][];
  metadata?: Record<string, string>;
}

const decay = (dt: number, tau: number) => Math.exp(-dt / tau);

/** The NIR parameters of spikegrad's neuron for this config, as float32 (what export writes). */
function canonicalParams(config: NetworkConfig) {
  const { dt, tauSyn, tauMem, tauOut, threshold } = config.neuron;
  const aSyn = decay(dt, tauSyn);
  return {
    tauSyn: Math.fround(dt / (1 - aSyn)),
    wIn: Math.fround(1 / (1 - aSyn)),
    tauMem: Math.fround(dt / (1 - decay(dt, tauMem))),
    tauOut: Math.fround(dt / (1 - decay(dt, tauOut))),
    threshold: Math.fround(threshold),
  };
}

const fill = (n: number, v: number) => new Float32Array(n).fill(v);
const vector = (data: Float32Array) => ({ shape: [data.length], data });

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = w[i * cols + j];
  return out;
}

function linear(weight: Float32Array, rows: number, cols: number): GraphNode {
  // spikegrad stores [fan_in][fan_out]; NIR's Linear is y = W x with W [out][in].
  return { type: 'Linear', params: { weight: { shape: [cols, rows], data: transpose(weight, rows, cols) } } };
}

/** The NIR graph of a network (nodes, edges and metadata, before it is written). */
function networkToNir(config: NetworkConfig, parameters: Readonly<Record<string, Float32Array>>): GraphNode {
  const c = canonicalParams(config);
  const lif = (n: number): GraphNode => ({
    type: 'CubaLIF',
    params: {
      tau_syn: vector(fill(n, c.tauSyn)),
      tau_mem: vector(fill(n, c.tauMem)),
      r: vector(fill(n, 1)),
      v_leak: vector(fill(n, 0)),
      v_threshold: vector(fill(n, c.threshold)),
      v_reset: vector(fill(n, 0)),
      w_in: vector(fill(n, c.wIn)),
    },
  });
  const shapes = new Map(parameterShapesOf(config).map((p) => [p.name, p]));
  const nodes: Record<string, GraphNode> = { input: { type: 'Input', params: { shape: { shape: [1], data: [config.inputs] } } } };
  const edges: [string, string][] = [];
  let previous = 'input';
  config.layers.forEach((layer, l) => {
    const w = shapes.get(`hidden.${l}.input`)!;
    nodes[`fc${l}`] = linear(parameters[w.name], w.rows, w.cols);
    edges.push([previous, `fc${l}`]);
    if (layer.recurrent) {
      const v = shapes.get(`hidden.${l}.recurrent`)!;
      const shape = { shape: [1], data: [layer.size] };
      nodes[`lif${l}`] = {
        type: 'NIRGraph',
        params: {},
        nodes: { input: { type: 'Input', params: { shape } }, lif: lif(layer.size), w_rec: linear(parameters[v.name], v.rows, v.cols), output: { type: 'Output', params: { shape } } },
        edges: [['input', 'lif'], ['lif', 'w_rec'], ['w_rec', 'lif'], ['lif', 'output']],
      };
    } else {
      nodes[`lif${l}`] = lif(layer.size);
    }
    edges.push([`fc${l}`, `lif${l}`]);
    previous = `lif${l}`;
  });
  const r = shapes.get('readout')!;
  nodes.fc_out = linear(parameters.readout, r.rows, r.cols);
  nodes.readout = {
    type: 'CubaLI',
    params: { tau_syn: vector(fill(config.outputs, c.tauSyn)), tau_mem: vector(fill(config.outputs, c.tauOut)), r: vector(fill(config.outputs, 1)), v_leak: vector(fill(config.outputs, 0)), w_in: vector(fill(config.outputs, c.wIn)) },
  };
  nodes.output = { type: 'Output', params: { shape: { shape: [1], data: [config.outputs] } } };
  edges.push([previous, 'fc_out'], ['fc_out', 'readout'], ['readout', 'output']);
  const { dt, tauMem, tauSyn, tauOut } = config.neuron;
  return {
    type: 'NIRGraph',
    params: {},
    nodes,
    edges,
    metadata: {
      'spikegrad.network': JSON.stringify(config),
      'spikegrad.dt': String(dt),
      'spikegrad.discretization': `forward Euler at dt = ${dt} s: tau_nir = dt / (1 - exp(-dt / tau)), r = 1, w_in = 1 / (1 - exp(-dt / tau_syn)); spikegrad's tau_mem ${tauMem}, tau_syn ${tauSyn}, tau_out ${tauOut} s`,
      'spikegrad.readout': `${config.readout}: the class is the argmax over classes of the ${config.readout} over time of the readout's membrane (a loss/decision rule, not a node)`,
      'spikegrad.spike': 'S[n] = v[n] > v_threshold (strict); v[n+1] uses I[n]; after a spike v is reset to 0 at the next step',
      'spikegrad.training': `surrogate ${config.surrogate.shape} scale ${config.surrogate.scale}${config.surrogate.normalized ? '' : ' (asymptotic)'}, reset ${config.reset}`,
    },
  };
}

/** Writes a network as a NIR file (atomically: a temporary file renamed). */
export async function writeNir(file: string, config: NetworkConfig, parameters: Readonly<Record<string, Float32Array>>): Promise<void> {
  const graph = networkToNir(config, parameters);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const h5 = await createHdf5(tmp);
  try {
    h5.create_dataset({ name: 'version', data: NIR_VERSION });
    writeNode(h5.create_group('node'), graph);
  } catch (err) {
    h5.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  h5.close();
  renameSync(tmp, file);
}

type H5Group = ReturnType<Awaited<ReturnType<typeof createHdf5>>['create_group']>;

function writeNode(group: H5Group, node: GraphNode): void {
  group.create_dataset({ name: 'type', data: node.type });
  for (const [key, p] of Object.entries(node.params)) {
    if (typeof p.data === 'string') group.create_dataset({ name: key, data: p.data });
    else if (p.data instanceof Float32Array) group.create_dataset({ name: key, data: p.data, shape: p.shape });
    else group.create_dataset({ name: key, data: BigInt64Array.from((p.data as number[]).map((x) => BigInt(x))), shape: p.shape });
  }
  if (node.nodes) {
    const nodes = group.create_group('nodes');
    for (const [name, child] of Object.entries(node.nodes)) writeNode(nodes.create_group(name), child);
  }
  if (node.edges) group.create_dataset({ name: 'edges', data: node.edges.flat(), shape: [node.edges.length, 2] });
  if (node.metadata && Object.keys(node.metadata).length > 0) {
    const meta = group.create_group('metadata');
    for (const [k, v] of Object.entries(node.metadata)) meta.create_dataset({ name: k, data: v });
  }
}

/** How a foreign NIR graph is simulated. */
export interface NirImportOptions {
  /** The simulation step, seconds, for a file that does not carry spikegrad's (default 1e-3). */
  dt?: number;
}

/** Reads a NIR file of the family spikegrad simulates: the network config and its weights. */
export async function readNir(file: string, options: NirImportOptions = {}): Promise<{ config: NetworkConfig; parameters: Record<string, Float32Array> }> {
  // In a worker that is stopped if HDF5 hangs on a damaged file (data/hdf5-worker-client.ts).
  const tree = await readTreeInWorker(file, '/node');
  const fail = (message: string): never => {
    throw new NirError(file, message);
  };
  const graph = toGraphNode(tree, 'node', fail);
  if (graph.type !== 'NIRGraph') fail(`the top node is a ${graph.type}, expected a NIRGraph`);
  const chain = layerChain(flatten(graph, '', fail), fail);
  const own = graph.metadata?.['spikegrad.network'];
  if (own !== undefined) {
    // A file spikegrad wrote: its config is exact; the nodes must still say what export wrote for it.
    const config = parseNetworkConfig(JSON.parse(own));
    const imported = fromChain(chain, config.neuron.dt, fail);
    if (sameAsExported(chain, config)) return { config, parameters: imported.unscaled };
  }
  const dt = options.dt ?? (graph.metadata?.['spikegrad.dt'] !== undefined ? Number(graph.metadata['spikegrad.dt']) : 1e-3);
  if (!(dt > 0 && Number.isFinite(dt))) fail(`dt: expected a positive step in seconds, got ${dt}`);
  const imported = fromChain(chain, dt, fail);
  return { config: imported.config, parameters: imported.scaled };
}

function toGraphNode(tree: Hdf5Tree, where: string, fail: (m: string) => never): GraphNode {
  const type = tree.type;
  if (!type || !isHdf5Value(type) || typeof type.value[0] !== 'string') return fail(`${where}: no type`);
  const node: GraphNode = { type: type.value[0] as string, params: {} };
  for (const [key, value] of Object.entries(tree)) {
    if (key === 'type') continue;
    if (key === 'nodes' && !isHdf5Value(value)) {
      node.nodes = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toGraphNode(v as Hdf5Tree, `${where}/${k}`, fail)]));
    } else if (key === 'edges' && isHdf5Value(value)) {
      const flat = value.value as string[];
      node.edges = Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as [string, string]);
    } else if (key === 'metadata' && !isHdf5Value(value)) {
      node.metadata = Object.fromEntries(Object.entries(value).filter(([, v]) => isHdf5Value(v)).map(([k, v]) => [k, String((v as Hdf5Value).value[0])]));
    } else if (isHdf5Value(value)) {
      node.params[key] = { shape: value.shape, data: typeof value.value[0] === 'string' ? (value.value as string[]) : Float32Array.from(value.value as number[]) };
    }
  }
  return node;
}

interface Flat {
  nodes: Map<string, GraphNode>;
  edges: [string, string][];
}

/** Subgraphs inlined (their Input and Output nodes become pass-throughs, then disappear). */
function flatten(graph: GraphNode, prefix: string, fail: (m: string) => never): Flat {
  const nodes = new Map<string, GraphNode>();
  const edges: [string, string][] = [];
  const entry = new Map<string, string>();
  const exit = new Map<string, string>();
  for (const [name, node] of Object.entries(graph.nodes ?? {})) {
    const id = `${prefix}${name}`;
    if (node.type === 'NIRGraph') {
      const inner = flatten(node, `${id}.`, fail);
      for (const [k, v] of inner.nodes) nodes.set(k, v);
      edges.push(...inner.edges);
      const inputs = Object.entries(node.nodes ?? {}).filter(([, n]) => n.type === 'Input');
      const outputs = Object.entries(node.nodes ?? {}).filter(([, n]) => n.type === 'Output');
      if (inputs.length !== 1 || outputs.length !== 1) fail(`node ${id}: a subgraph needs exactly one Input and one Output node`);
      entry.set(id, `${id}.${inputs[0][0]}`);
      exit.set(id, `${id}.${outputs[0][0]}`);
    } else {
      nodes.set(id, node);
    }
  }
  for (const [a, b] of graph.edges ?? []) {
    const from = exit.get(`${prefix}${a}`) ?? `${prefix}${a}`;
    const to = entry.get(`${prefix}${b}`) ?? `${prefix}${b}`;
    if (!nodes.has(from) || !nodes.has(to)) fail(`edge ${a} -> ${b}: no such node`);
    edges.push([from, to]);
  }
  if (prefix === '') {
    // Contract the pass-throughs of inlined subgraphs (Input/Output nodes inside them).
    for (const [id, node] of [...nodes]) {
      if (!id.includes('.') || (node.type !== 'Input' && node.type !== 'Output')) continue;
      const ins = edges.filter(([, b]) => b === id).map(([a]) => a);
      const outs = edges.filter(([a]) => a === id).map(([, b]) => b);
      const kept = edges.filter(([a, b]) => a !== id && b !== id);
      edges.length = 0;
      edges.push(...kept, ...ins.flatMap((a) => outs.map((b) => [a, b] as [string, string])));
      nodes.delete(id);
    }
  }
  return { nodes, edges };
}

interface ChainLayer {
  fc: string;
  lif: string;
  rec?: string;
}

/** input -> (Linear -> CubaLIF [<-> Linear])* -> Linear -> CubaLI -> output, or an error naming the node. */
function layerChain(flat: Flat, fail: (m: string) => never): { layers: ChainLayer[]; fcOut: string; readout: string; nodes: Map<string, GraphNode> } {
  const { nodes, edges } = flat;
  const supported = new Set(['Input', 'Output', 'Linear', 'CubaLIF', 'CubaLI']);
  for (const [id, node] of nodes) {
    if (!supported.has(node.type)) fail(`node ${id} is a ${node.type}, which spikegrad cannot simulate (it simulates Input, Linear, CubaLIF, CubaLI and Output nodes, recurrent subgraphs included)`);
  }
  const succ = (id: string) => edges.filter(([a]) => a === id).map(([, b]) => b);
  const pred = (id: string) => edges.filter(([, b]) => b === id).map(([a]) => a);
  const inputs = [...nodes].filter(([id, n]) => n.type === 'Input' && !id.includes('.'));
  if (inputs.length !== 1) fail(`expected one Input node, found ${inputs.length}`);
  const single = (id: string, what: string) => {
    const s = succ(id);
    if (s.length !== 1) fail(`node ${id} feeds ${s.length} nodes; spikegrad simulates a chain of layers (${what} expected after it)`);
    return s[0];
  };
  const layers: ChainLayer[] = [];
  let current = inputs[0][0];
  for (;;) {
    const fc = current === inputs[0][0] || nodes.get(current)!.type === 'CubaLIF' ? forwardLinear(current) : single(current, 'a Linear');
    if (nodes.get(fc)?.type !== 'Linear') fail(`node ${fc} is a ${nodes.get(fc)?.type}, expected a Linear after ${current}`);
    const target = single(fc, 'a CubaLIF or CubaLI');
    const type = nodes.get(target)!.type;
    if (type === 'CubaLI') {
      const out = single(target, 'the Output');
      if (nodes.get(out)!.type !== 'Output') fail(`node ${target} feeds ${out}, expected the Output`);
      if (pred(target).length !== 1) fail(`node ${target} has ${pred(target).length} inputs, expected one Linear`);
      return { layers, fcOut: fc, readout: target, nodes };
    }
    if (type !== 'CubaLIF') fail(`node ${target} is a ${type}, expected a CubaLIF or CubaLI after ${fc}`);
    const loops = succ(target).filter((s) => nodes.get(s)?.type === 'Linear' && succ(s).length === 1 && succ(s)[0] === target);
    if (loops.length > 1) fail(`node ${target} has ${loops.length} recurrent connections, at most one is supported`);
    const expectedPreds = 1 + loops.length;
    if (pred(target).length !== expectedPreds) fail(`node ${target} has ${pred(target).length} inputs, expected its Linear${loops.length ? ' and its recurrent Linear' : ''}`);
    layers.push({ fc, lif: target, rec: loops[0] });
    current = target;
  }

  function forwardLinear(id: string): string {
    const rec = layers.at(-1)?.rec;
    const s = succ(id).filter((x) => x !== rec);
    if (s.length !== 1) fail(`node ${id} feeds ${s.length} nodes besides its recurrent connection; spikegrad simulates a chain of layers`);
    return s[0];
  }
}

function param(node: GraphNode, id: string, key: string, n: number, fail: (m: string) => never, fallback?: number): Float64Array {
  const p = node.params[key];
  if (p === undefined) {
    if (fallback !== undefined) return new Float64Array(n).fill(fallback);
    return fail(`node ${id}: ${key} is missing`);
  }
  const data = p.data as Float32Array;
  if (data.length === 1) return new Float64Array(n).fill(data[0]);
  if (data.length !== n) return fail(`node ${id}: ${key} has ${data.length} values, expected ${n} (one per neuron)`);
  return Float64Array.from(data);
}

function uniform(values: Float64Array, id: string, key: string, fail: (m: string) => never): number {
  for (const v of values) if (v !== values[0]) fail(`node ${id}: ${key} differs between neurons (${values[0]} and ${v}); spikegrad's neurons share their time constants and threshold`);
  return values[0];
}

function weightOf(node: GraphNode, id: string, fail: (m: string) => never): { w: Float32Array; out: number; in: number } {
  const p = node.params.weight;
  if (!p || !(p.data instanceof Float32Array) || p.shape.length !== 2) return fail(`node ${id}: expected a 2-D weight`);
  return { w: p.data, out: p.shape[0], in: p.shape[1] };
}

/** Network config and weights from the chain at step dt; `scaled` folds each neuron's r and w_in into its inputs. */
function fromChain(chain: ReturnType<typeof layerChain>, dt: number, fail: (m: string) => never) {
  const { nodes } = chain;
  const scaled: Record<string, Float32Array> = {};
  const unscaled: Record<string, Float32Array> = {};
  const shared: Record<string, { value: number; id: string }> = {};
  const share = (key: string, value: number, id: string) => {
    if (shared[key] && shared[key].value !== value) fail(`node ${id}: ${key} = ${value}, but node ${shared[key].id} has ${shared[key].value}; spikegrad's layers share their time constants`);
    shared[key] ??= { value, id };
  };
  const decayOf = (tau: number, id: string, key: string) => {
    const a = 1 - dt / tau;
    if (!(a > 0 && a < 1)) fail(`node ${id}: ${key} = ${tau} s is not longer than the step dt = ${dt} s`);
    return a;
  };
  let fanIn = 0;
  const layers: { size: number; recurrent: boolean }[] = [];
  const addWeights = (name: string, id: string, gains: Float64Array, expectIn: number) => {
    const { w, out, in: inputs } = weightOf(nodes.get(id)!, id, fail);
    if (expectIn > 0 && inputs !== expectIn) fail(`node ${id}: weight has ${inputs} inputs, the layer before has ${expectIn} outputs`);
    if (out !== gains.length) fail(`node ${id}: weight has ${out} outputs, the next node has ${gains.length} neurons`);
    const plain = transpose(w, out, inputs);
    unscaled[name] = plain;
    scaled[name] = Float32Array.from(plain, (v, k) => v * gains[k % out]);
    return inputs;
  };
  const neuron = (id: string, n: number, spiking: boolean) => {
    const node = nodes.get(id)!;
    const tauSyn = uniform(param(node, id, 'tau_syn', n, fail), id, 'tau_syn', fail);
    const tauMem = uniform(param(node, id, 'tau_mem', n, fail), id, 'tau_mem', fail);
    const r = param(node, id, 'r', n, fail, 1);
    const wIn = param(node, id, 'w_in', n, fail, 1);
    for (const v of param(node, id, 'v_leak', n, fail, 0)) if (v !== 0) fail(`node ${id}: v_leak = ${v}; spikegrad's neurons leak to 0`);
    if (spiking) {
      for (const v of param(node, id, 'v_reset', n, fail, 0)) if (v !== 0) fail(`node ${id}: v_reset = ${v}; spikegrad resets to 0`);
      const threshold = uniform(param(node, id, 'v_threshold', n, fail), id, 'v_threshold', fail);
      if (!(threshold > 0)) fail(`node ${id}: v_threshold = ${threshold}; spikegrad needs a positive threshold`);
      share('threshold', threshold, id);
      share('tau_mem', tauMem, id);
    } else {
      share('tau_out', tauMem, id);
    }
    share('tau_syn', tauSyn, id);
    decayOf(tauMem, id, 'tau_mem');
    const aSyn = decayOf(tauSyn, id, 'tau_syn');
    // I' = r I makes v's input (1 - a_mem) I'; then I' gets r (dt / tau_syn) w_in W x = r (1 - a_syn) w_in W x.
    return Float64Array.from(r, (ri, k) => ri * (1 - aSyn) * wIn[k]);
  };
  chain.layers.forEach((layer, l) => {
    const lifNode = nodes.get(layer.lif)!;
    const n = weightOf(nodes.get(layer.fc)!, layer.fc, fail).out;
    const thresholdLength = (lifNode.params.v_threshold?.data as Float32Array | undefined)?.length ?? n;
    if (thresholdLength !== n && thresholdLength !== 1) fail(`node ${layer.lif}: ${thresholdLength} neurons, its Linear has ${n} outputs`);
    const gains = neuron(layer.lif, n, true);
    const inputs = addWeights(`hidden.${l}.input`, layer.fc, gains, l === 0 ? 0 : layers[l - 1].size);
    if (l === 0) fanIn = inputs;
    if (layer.rec) addWeights(`hidden.${l}.recurrent`, layer.rec, gains, n);
    layers.push({ size: n, recurrent: layer.rec !== undefined });
  });
  if (layers.length === 0) fail('the graph has no hidden CubaLIF layer');
  const outputs = weightOf(nodes.get(chain.fcOut)!, chain.fcOut, fail).out;
  const gains = neuron(chain.readout, outputs, false);
  addWeights('readout', chain.fcOut, gains, layers[layers.length - 1].size);
  const tau = (key: string) => -dt / Math.log(1 - dt / shared[key].value);
  const config = parseNetworkConfig({
    inputs: fanIn,
    outputs,
    layers,
    neuron: { dt, tauMem: tau('tau_mem'), tauSyn: tau('tau_syn'), tauOut: tau('tau_out'), threshold: shared.threshold.value },
  });
  return { config, scaled, unscaled };
}

/** Whether every node holds exactly what writeNir writes for this config (then the weights need no folding). */
function sameAsExported(chain: ReturnType<typeof layerChain>, config: NetworkConfig): boolean {
  const c = canonicalParams(config);
  const all = (node: GraphNode, key: string, v: number) => {
    const d = node.params[key]?.data;
    return d instanceof Float32Array && d.every((x) => x === v);
  };
  const lifOk = chain.layers.every(({ lif }) => {
    const n = chain.nodes.get(lif)!;
    return all(n, 'tau_syn', c.tauSyn) && all(n, 'tau_mem', c.tauMem) && all(n, 'r', 1) && all(n, 'w_in', c.wIn) && all(n, 'v_threshold', c.threshold) && all(n, 'v_leak', 0) && all(n, 'v_reset', 0);
  });
  const ro = chain.nodes.get(chain.readout)!;
  return lifOk && all(ro, 'tau_syn', c.tauSyn) && all(ro, 'tau_mem', c.tauOut) && all(ro, 'r', 1) && all(ro, 'w_in', c.wIn) && chain.layers.length === config.layers.length;
}
