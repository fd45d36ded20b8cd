import { Optimizer, type OptimizerExecution } from './optimizer.js';

/**
 * SMORMS3 (Simon Funk, 2015), with the conventions of the authors' stork library: a per-weight memory length mem
 * (starting at 1) sets the averaging rate r = 1/(mem + 1) of the gradient's first and second moments g, g2;
 * the step is min(lr, g^2/(g2 + eps)) grad / (sqrt(g2) + eps), and mem <- 1 + mem (1 - g^2/(g2 + eps)).
 */
export class Smorms3 extends Optimizer {
  protected readonly slotInit = { mem: 1, g: 0, g2: 0 };

  constructor(parameters: Readonly<Record<string, Float32Array>>, private readonly o: { eps: number }, execution?: OptimizerExecution) {
    super(parameters, execution);
  }

  protected update(name: string, p: Float32Array, grad: Float32Array, lr: number): void {
    const { eps } = this.o;
    const mem = this.slot(name, 'mem');
    const g = this.slot(name, 'g');
    const g2 = this.slot(name, 'g2');
    if (this.native) return this.nativeStep('smorms3', p, grad, [mem, g, g2], { lr, eps });
    for (let i = 0; i < p.length; i++) {
      const gi = grad[i];
      const r = 1 / (mem[i] + 1);
      g[i] = (1 - r) * g[i] + r * gi;
      g2[i] = (1 - r) * g2[i] + r * gi * gi;
      const x = (g[i] * g[i]) / (g2[i] + eps);
      mem[i] = mem[i] * (1 - x) + 1;
      p[i] -= (Math.min(lr, x) * gi) / (Math.sqrt(g2[i]) + eps);
    }
  }
}
