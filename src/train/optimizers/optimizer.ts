/**
 * Optimizers update the parameter Float32Arrays in place from their gradients. Each is written here in
 * TypeScript, the reference; by default the same expressions run in the native addon (SIMD, threads), which
 * computes them in the same order and precision and so gives bit-identical parameters: serial JavaScript loops
 * over a million weights would otherwise cost as much as a quarter of a training step on 2 cores.
 * State is Float32Arrays per parameter plus a step count, all of it exportable for checkpoints so a resumed run
 * continues bit for bit.
 */
import { loadNative, type NativeOptimizerScalars } from '../../model/native.js';

export interface OptimizerExecution {
  /** Run the update in the native addon (default) or in the TypeScript loop. Results are identical. */
  native?: boolean;
  threads?: number;
}
/** An optimizer's state: its step count and its per-parameter slot arrays (what a checkpoint stores). */
export interface OptimizerState {
  step: number;
  /** Per parameter name, per state slot (e.g. 'm', 'v'), the slot's values. */
  slots: Record<string, Record<string, Float32Array>>;
}

/**
 * An optimizer over named Float32Array parameters, updated in place by `step(gradients, lr)`; its state can be
 * saved and restored exactly.
 */
export abstract class Optimizer {
  protected stepCount = 0;
  protected readonly slots: Record<string, Record<string, Float32Array>> = {};

  /** Names of the per-parameter state arrays and their initial value. */
  protected abstract readonly slotInit: Record<string, number>;

  protected readonly native: boolean;
  protected readonly threads: number;

  constructor(
    protected readonly parameters: Readonly<Record<string, Float32Array>>,
    execution: OptimizerExecution = {},
  ) {
    this.native = execution.native ?? true;
    this.threads = execution.threads ?? 1;
  }

  /** The native kernel `kind` on one parameter with the given state slots. */
  protected nativeStep<K extends keyof NativeOptimizerScalars>(kind: K, p: Float32Array, g: Float32Array, slots: Float32Array[], scalars: NativeOptimizerScalars[K]): void {
    loadNative().optimizerStep(kind, p, g, slots, scalars, this.threads);
  }

  protected slot(name: string, slot: string): Float32Array {
    let bySlot = this.slots[name];
    if (!bySlot) bySlot = this.slots[name] = {};
    let s = bySlot[slot];
    if (!s) s = bySlot[slot] = new Float32Array(this.parameters[name].length).fill(this.slotInit[slot]);
    return s;
  }

  /** One update with learning rate `lr` from gradients named like the parameters. */
  step(gradients: Readonly<Record<string, Float32Array>>, lr: number): void {
    this.stepCount++;
    for (const name of Object.keys(this.parameters)) {
      const g = gradients[name];
      if (!g) throw new Error(`optimizer: no gradient for parameter '${name}'`);
      this.update(name, this.parameters[name], g, lr);
    }
  }

  protected abstract update(name: string, p: Float32Array, g: Float32Array, lr: number): void;

  get steps(): number {
    return this.stepCount;
  }

  getState(): OptimizerState {
    const slots: OptimizerState['slots'] = {};
    for (const [name, bySlot] of Object.entries(this.slots)) {
      slots[name] = {};
      for (const [slot, values] of Object.entries(bySlot)) slots[name][slot] = values.slice();
    }
    return { step: this.stepCount, slots };
  }

  setState(state: OptimizerState): void {
    this.stepCount = state.step;
    for (const [name, bySlot] of Object.entries(state.slots)) {
      const p = this.parameters[name];
      if (!p) throw new Error(`optimizer state: unknown parameter '${name}'`);
      for (const [slot, values] of Object.entries(bySlot)) {
        if (!(slot in this.slotInit)) throw new Error(`optimizer state: unknown slot '${slot}' for '${name}'`);
        if (values.length !== p.length) throw new Error(`optimizer state: '${name}.${slot}' has ${values.length} values, expected ${p.length}`);
        this.slot(name, slot).set(values);
      }
    }
  }
}
