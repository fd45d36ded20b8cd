/**
 * The network of docs/design.md section 1 written out literally on the autodiff tape, for tests only. Written for
 * clarity, not speed; shares no code with src/ or native/. Computes in float64 from the (float32) weights.
 */
import { Tape, type Var } from './autodiff.js';

export interface ReferenceSpec {
  inputs: number;
  outputs: number;
  layers: { size: number; recurrent: boolean; recurrentGradient: 'propagate' | 'detached' }[];
  neuron: { dt: number; tauMem: number; tauSyn: number; tauOut: number; threshold: number };
  surrogate: { shape: string; scale: number; normalized: boolean };
  reset: 'detached' | 'differentiable';
  readout: 'max' | 'sum' | 'mean' | 'last';
}

export interface ReferenceRegularizer {
  kind: 'lower' | 'upper' | 'population-lower' | 'population-upper';
  power: 1 | 2;
  strength: number;
  threshold: number;
  layer?: number;
}

export interface ReferenceBatch {
  size: number;
  steps: number;
  /** input[b][n][k]: the input value of unit k at step n (spike counts for event input). */
  input: number[][][];
  labels: number[];
}

export interface ReferenceResult {
  loss: number;
  gradients: Record<string, Float64Array>;
  /** spikes[l][b][n][i] */
  spikes: number[][][][];
  /** membrane[l][b][n][i] = U[n] */
  membrane: number[][][][];
  logits: number[][];
}

/** The surrogate derivative h(x), straight from the table of docs/design.md section 1. */
export function surrogateDerivative(shape: string, beta: number, normalized: boolean, x: number): number {
  let h: number;
  switch (shape) {
    case 'superspike':
      h = 1 / (beta * Math.abs(x) + 1) ** 2;
      break;
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-beta * x));
      h = s * (1 - s);
      break;
    }
    case 'esser':
      h = Math.max(0, 1 - beta * Math.abs(x));
      break;
    case 'exponential':
      h = Math.exp(-beta * Math.abs(x));
      break;
    case 'gaussian':
      h = Math.exp(-((beta * x) ** 2) / 2);
      break;
    case 'zero':
      h = 0;
      break;
    default:
      throw new Error(`unknown shape ${shape}`);
  }
  return normalized ? h : beta * h;
}

export function referenceLossAndGradients(
  spec: ReferenceSpec,
  weights: Record<string, Float32Array>,
  batch: ReferenceBatch,
  regularizers: ReferenceRegularizer[] = [],
): ReferenceResult {
  const tape = new Tape();
  const { dt, tauMem, tauSyn, tauOut, threshold } = spec.neuron;
  const aSyn = Math.exp(-dt / tauSyn);
  const aMem = Math.exp(-dt / tauMem);
  const aOut = Math.exp(-dt / tauOut);
  const T = batch.steps;
  const depth = spec.layers.length;

  // Parameters as tape leaves, [pre][post].
  const params: Record<string, Var[]> = {};
  for (const [name, w] of Object.entries(weights)) params[name] = Array.from(w, (x) => tape.leaf(x));
  const at = (name: string, cols: number, pre: number, post: number): Var => params[name][pre * cols + post];

  const spike = (u: Var): Var => {
    const x = tape.value(u) - threshold;
    const h = surrogateDerivative(spec.surrogate.shape, spec.surrogate.scale, spec.surrogate.normalized, x);
    return tape.custom(x > 0 ? 1 : 0, u, h);
  };

  const zero = tape.leaf(0);
  const sampleLosses: Var[] = [];
  const spikesOut: number[][][][] = spec.layers.map(() => []);
  const membraneOut: number[][][][] = spec.layers.map(() => []);
  const logitsOut: number[][] = [];
  const regTerms: Var[] = [];

  for (let b = 0; b < batch.size; b++) {
    // x[n][k] for the current layer: numbers for the data, tape variables for spikes of the layer below.
    let layerInput: (number | Var)[][] = batch.input[b];
    let inputIsData = true;
    let fanIn = spec.inputs;
    for (let l = 0; l < depth; l++) {
      const H = spec.layers[l].size;
      const inName = `hidden.${l}.input`;
      const recName = `hidden.${l}.recurrent`;
      let I: Var[] = Array(H).fill(zero);
      let U: Var[] = Array(H).fill(zero);
      const S: Var[][] = [];
      spikesOut[l][b] = [];
      membraneOut[l][b] = [];
      for (let n = 0; n < T; n++) {
        const Sn = U.map(spike); // S[n] = H(U[n] - threshold)
        S.push(Sn);
        spikesOut[l][b].push(Sn.map((s) => tape.value(s)));
        membraneOut[l][b].push(U.map((u) => tape.value(u)));
        const Snext: Var[] = [];
        const Inext: Var[] = [];
        for (let i = 0; i < H; i++) {
          // U[n+1] = (a_mem U[n] + (1 - a_mem) I[n]) (1 - S[n]); the reset factor is a constant when detached.
          const resetSpike = spec.reset === 'detached' ? tape.detach(Sn[i]) : Sn[i];
          const leak = tape.add(tape.scale(U[i], aMem), tape.scale(I[i], 1 - aMem));
          Snext.push(tape.mul(leak, tape.shift(tape.scale(resetSpike, -1), 1)));
          // I[n+1] = a_syn I[n] + W^T x[n] + V^T S[n]
          const terms: Var[] = [tape.scale(I[i], aSyn)];
          for (let k = 0; k < fanIn; k++) {
            const x = layerInput[n][k];
            if (inputIsData) {
              if (x !== 0) terms.push(tape.scale(at(inName, H, k, i), x as number));
            } else {
              terms.push(tape.mul(at(inName, H, k, i), x as Var));
            }
          }
          if (spec.layers[l].recurrent) {
            for (let j = 0; j < H; j++) {
              const source = spec.layers[l].recurrentGradient === 'detached' ? tape.detach(Sn[j]) : Sn[j];
              terms.push(tape.mul(at(recName, H, j, i), source));
            }
          }
          Inext.push(tape.sum(terms));
        }
        U = Snext;
        I = Inext;
      }
      // Regularizers on z_i = sum_n S_i[n].
      const z = Array.from({ length: H }, (_, i) => tape.sum(S.map((Sn) => Sn[i])));
      for (const reg of regularizers) {
        if (reg.layer !== undefined && reg.layer !== l) continue;
        const penalty = (excess: Var): Var => (reg.power === 1 ? tape.relu(excess) : tape.square(tape.relu(excess)));
        let term: Var;
        if (reg.kind === 'lower' || reg.kind === 'upper') {
          const excesses = z.map((zi) =>
            reg.kind === 'lower' ? tape.shift(tape.scale(zi, -1), reg.threshold) : tape.shift(zi, -reg.threshold),
          );
          term = tape.scale(tape.sum(excesses.map(penalty)), reg.strength / H);
        } else {
          const mean = tape.scale(tape.sum(z), 1 / H);
          const excess =
            reg.kind === 'population-lower' ? tape.shift(tape.scale(mean, -1), reg.threshold) : tape.shift(mean, -reg.threshold);
          term = tape.scale(penalty(excess), reg.strength);
        }
        regTerms.push(tape.scale(term, 1 / batch.size));
      }
      layerInput = S;
      inputIsData = false;
      fanIn = H;
    }

    // Readout: J[n+1] = a_syn J[n] + W_out^T S[n]; Y[n+1] = a_out Y[n] + (1 - a_out) J[n]; reduce Y[1..T].
    const C = spec.outputs;
    const last = spec.layers[depth - 1].size;
    let J: Var[] = Array(C).fill(zero);
    let Y: Var[] = Array(C).fill(zero);
    const Ys: Var[][] = Array.from({ length: C }, () => []);
    for (let n = 0; n < T; n++) {
      const Ynext = Y.map((y, c) => tape.add(tape.scale(y, aOut), tape.scale(J[c], 1 - aOut)));
      const Jnext = J.map((j, c) => {
        const terms = [tape.scale(j, aSyn)];
        for (let i = 0; i < last; i++) terms.push(tape.mul(at('readout', C, i, c), (layerInput as Var[][])[n][i]));
        return tape.sum(terms);
      });
      Y = Ynext;
      J = Jnext;
      Y.forEach((y, c) => Ys[c].push(y));
    }
    const logits = Ys.map((series) => {
      switch (spec.readout) {
        case 'max':
          return tape.max(series);
        case 'sum':
          return tape.sum(series);
        case 'mean':
          return tape.scale(tape.sum(series), 1 / T);
        case 'last':
          return series[T - 1];
      }
    });
    logitsOut.push(logits.map((v) => tape.value(v)));
    // Cross entropy: log sum_c exp(r_c) - r_label (shifted by the max for stability; the shift is a constant).
    const peak = Math.max(...logits.map((v) => tape.value(v)));
    const lse = tape.shift(tape.log(tape.sum(logits.map((r) => tape.exp(tape.shift(r, -peak))))), peak);
    sampleLosses.push(tape.sub(lse, logits[batch.labels[b]]));
  }
  const loss = tape.add(tape.scale(tape.sum(sampleLosses), 1 / batch.size), regTerms.length > 0 ? tape.sum(regTerms) : zero);
  const grad = tape.backward(loss);
  const gradients: Record<string, Float64Array> = {};
  for (const [name, vars] of Object.entries(params)) gradients[name] = Float64Array.from(vars, (v) => grad[v]);
  return { loss: tape.value(loss), gradients, spikes: spikesOut, membrane: membraneOut, logits: logitsOut };
}
