/** Gradient post-processing before the optimizer step: L2 weight decay and clipping by the global norm. */

/** g <- g + decay * p for every parameter (coupled L2 weight decay, as PyTorch optimizers' weight_decay). */
export function addWeightDecay(gradients: Record<string, Float32Array>, parameters: Readonly<Record<string, Float32Array>>, decay: number): void {
  if (decay === 0) return;
  for (const [name, g] of Object.entries(gradients)) {
    const p = parameters[name];
    for (let i = 0; i < g.length; i++) g[i] += decay * p[i];
  }
}

/** The L2 norm of all gradients together. */
export function globalNorm(gradients: Readonly<Record<string, Float32Array>>): number {
  let sum = 0;
  for (const g of Object.values(gradients)) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.sqrt(sum);
}

/** Scales all gradients so their global norm is at most maxNorm; returns the norm before clipping. */
export function clipByGlobalNorm(gradients: Record<string, Float32Array>, maxNorm: number): number {
  const norm = globalNorm(gradients);
  if (norm > maxNorm && norm > 0) {
    const scale = maxNorm / norm;
    for (const g of Object.values(gradients)) for (let i = 0; i < g.length; i++) g[i] *= scale;
  }
  return norm;
}

/** Name and index of the first NaN or infinity among the arrays, or null. */
export function firstNonFinite(arrays: Readonly<Record<string, Float32Array>>): { name: string; index: number } | null {
  for (const [name, a] of Object.entries(arrays)) {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return { name, index: i };
  }
  return null;
}
