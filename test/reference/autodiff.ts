/**
 * A tiny scalar reverse-mode automatic differentiation tape, for tests only. It knows nothing about spiking
 * networks: each operation records its value and the local derivative towards each input, and backward()
 * applies the chain rule in reverse creation order. The reference network (snn-reference.ts) is built from these
 * operations, so its gradients come from the chain rule, not from hand-derived adjoint equations like the
 * engine's: the two share no code and no derivation.
 */
export type Var = number; // index of a node on the tape

export class Tape {
  private values: number[] = [];
  private edgeStart: number[] = [0];
  private edgeParent: number[] = [];
  private edgeLocal: number[] = [];

  private node(value: number, parents: number[], locals: number[]): Var {
    this.values.push(value);
    for (let i = 0; i < parents.length; i++) {
      this.edgeParent.push(parents[i]);
      this.edgeLocal.push(locals[i]);
    }
    this.edgeStart.push(this.edgeParent.length);
    return this.values.length - 1;
  }

  value(v: Var): number {
    return this.values[v];
  }

  get size(): number {
    return this.values.length;
  }

  /** A leaf: a parameter or a constant (constants simply never get read back). */
  leaf(value: number): Var {
    return this.node(value, [], []);
  }

  add(a: Var, b: Var): Var {
    return this.node(this.values[a] + this.values[b], [a, b], [1, 1]);
  }

  sub(a: Var, b: Var): Var {
    return this.node(this.values[a] - this.values[b], [a, b], [1, -1]);
  }

  mul(a: Var, b: Var): Var {
    return this.node(this.values[a] * this.values[b], [a, b], [this.values[b], this.values[a]]);
  }

  /** k * a for a constant k. */
  scale(a: Var, k: number): Var {
    return this.node(k * this.values[a], [a], [k]);
  }

  /** k + a for a constant k. */
  shift(a: Var, k: number): Var {
    return this.node(k + this.values[a], [a], [1]);
  }

  sum(list: Var[]): Var {
    let total = 0;
    for (const v of list) total += this.values[v];
    return this.node(total, list, list.map(() => 1));
  }

  exp(a: Var): Var {
    const e = Math.exp(this.values[a]);
    return this.node(e, [a], [e]);
  }

  log(a: Var): Var {
    return this.node(Math.log(this.values[a]), [a], [1 / this.values[a]]);
  }

  /** max(0, a) with derivative 0 at a <= 0. */
  relu(a: Var): Var {
    const x = this.values[a];
    return this.node(x > 0 ? x : 0, [a], [x > 0 ? 1 : 0]);
  }

  square(a: Var): Var {
    const x = this.values[a];
    return this.node(x * x, [a], [2 * x]);
  }

  /** The largest of the list; the derivative goes to the first maximal entry. */
  max(list: Var[]): Var {
    let best = 0;
    for (let i = 1; i < list.length; i++) if (this.values[list[i]] > this.values[list[best]]) best = i;
    return this.node(this.values[list[best]], [list[best]], [1]);
  }

  /** Same value, no gradient flows through. */
  detach(a: Var): Var {
    return this.leaf(this.values[a]);
  }

  /** A custom operation with a given value and local derivative (used for the spike's surrogate). */
  custom(value: number, input: Var, localDerivative: number): Var {
    return this.node(value, [input], [localDerivative]);
  }

  /** d output / d node for every node. */
  backward(output: Var): Float64Array {
    const grad = new Float64Array(this.values.length);
    grad[output] = 1;
    for (let i = output; i >= 0; i--) {
      const g = grad[i];
      if (g === 0) continue;
      for (let e = this.edgeStart[i]; e < this.edgeStart[i + 1]; e++) grad[this.edgeParent[e]] += g * this.edgeLocal[e];
    }
    return grad;
  }
}
