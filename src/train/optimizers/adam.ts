import { Optimizer, type OptimizerExecution } from './optimizer.js';

/**
 * Adam (Kingma & Ba 2015), as in PyTorch: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2;
 * p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). The paper's optimizer (0.9, 0.999, 1e-8).
 */
export class Adam extends Optimizer {
  protected readonly slotInit = { m: 0, v: 0 };

  constructor(
    parameters: Readonly<Record<string, Float32Array>>,
    private readonly o: { beta1: number; beta2: number; eps: number },
    execution?: OptimizerExecution,
  ) {
    super(parameters, execution);
  }

  protected update(name: string, p: Float32Array, g: Float32Array, lr: number): void {
    const { beta1, beta2, eps } = this.o;
    const m = this.slot(name, 'm');
    const v = this.slot(name, 'v');
    const c1 = 1 - beta1 ** this.stepCount;
    const sqrtC2 = Math.sqrt(1 - beta2 ** this.stepCount);
    const stepSize = lr / c1;
    if (this.native) return this.nativeStep('adam', p, g, [m, v], { beta1, beta2, eps, stepSize, sqrtC2 });
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtC2 + eps);
    }
  }
}

/** Adamax (Kingma & Ba 2015, section 7.1), as in PyTorch: u <- max(b2 u, |g| + eps); p <- p - lr/(1-b1^t) m / u. */
export class Adamax extends Optimizer {
  protected readonly slotInit = { m: 0, u: 0 };

  constructor(
    parameters: Readonly<Record<string, Float32Array>>,
    private readonly o: { beta1: number; beta2: number; eps: number },
    execution?: OptimizerExecution,
  ) {
    super(parameters, execution);
  }

  protected update(name: string, p: Float32Array, g: Float32Array, lr: number): void {
    const { beta1, beta2, eps } = this.o;
    const m = this.slot(name, 'm');
    const u = this.slot(name, 'u');
    const stepSize = lr / (1 - beta1 ** this.stepCount);
    if (this.native) return this.nativeStep('adamax', p, g, [m, u], { beta1, beta2, eps, stepSize });
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      u[i] = Math.max(beta2 * u[i], Math.abs(gi) + eps);
      p[i] -= (stepSize * m[i]) / u[i];
    }
  }
}
