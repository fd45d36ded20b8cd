import { Optimizer, type OptimizerExecution } from './optimizer.js';

/**
 * SGD with momentum, as in PyTorch: b <- mu b + g (b = g on the first step); p <- p - lr b, or with Nesterov
 * p <- p - lr (g + mu b). Momentum 0 is plain SGD.
 */
export class Sgd extends Optimizer {
  protected readonly slotInit = { buffer: 0 };

  constructor(
    parameters: Readonly<Record<string, Float32Array>>,
    private readonly o: { momentum: number; nesterov: boolean },
    execution?: OptimizerExecution,
  ) {
    super(parameters, execution);
  }

  protected update(name: string, p: Float32Array, g: Float32Array, lr: number): void {
    const { momentum, nesterov } = this.o;
    if (this.native) {
      const buffer = momentum === 0 ? p : this.slot(name, 'buffer');
      return this.nativeStep('sgd', p, g, [buffer], { lr, momentum, nesterov, first: this.stepCount === 1 });
    }
    if (momentum === 0) {
      for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
      return;
    }
    const b = this.slot(name, 'buffer');
    const first = this.stepCount === 1;
    for (let i = 0; i < p.length; i++) {
      b[i] = first ? g[i] : momentum * b[i] + g[i];
      p[i] -= lr * (nesterov ? g[i] + momentum * b[i] : b[i]);
    }
  }
}
