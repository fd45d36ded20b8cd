/**
 * Learning-rate schedules as pure functions of training progress, so a resumed run gets the same rates:
 * constant; step (multiply by gamma every stepSize epochs); cosine (from lr down to minLr over all epochs,
 * updated every batch).
 */
import { z } from 'zod';

/** Learning-rate schedules: constant (default), step (stepSize epochs, gamma), cosine (to minLr). */
export const ScheduleConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z.object({ kind: z.literal('step'), stepSize: z.number().int().min(1), gamma: z.number().positive().max(1).default(0.1) }).strict(),
  z.object({ kind: z.literal('cosine'), minLr: z.number().min(0).default(0) }).strict(),
]);
/** A validated schedule config. */
export type ScheduleConfig = z.output<typeof ScheduleConfigSchema>;

/** The learning rate of batch `batch` (of `batches`) in epoch `epoch` (0-based) of `epochs`. */
export function learningRate(s: ScheduleConfig, lr: number, epoch: number, batch: number, batches: number, epochs: number): number {
  switch (s.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * s.gamma ** Math.floor(epoch / s.stepSize);
    case 'cosine': {
      const progress = Math.min(1, (epoch + batch / Math.max(1, batches)) / Math.max(1, epochs));
      return s.minLr + 0.5 * (lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
    }
  }
}
