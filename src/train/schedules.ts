/**
 * Learning-rate schedules as pure functions of training progress, so a resumed run gets the same rates:
 * constant; step (multiply by gamma every stepSize epochs); cosine (from lr down to minLr over all epochs,
 * updated every batch). Any of them may start with a linear warm-up over `warmupEpochs` (updated every batch): the
 * rate grows from lr / (warm-up batches) to the schedule's rate, which avoids the early collapse that large rates
 * cause from a silent start.
 */
import { z } from 'zod';

// Optional without a default: configs without it keep their exact form (and a sweep's trial ids).
const warmupEpochs = z.number().positive().max(100_000).optional();
/** Learning-rate schedules: constant, step (stepSize epochs, gamma), cosine (to minLr); any with warmupEpochs. */
export const ScheduleConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), warmupEpochs }).strict(),
  z.object({ kind: z.literal('step'), stepSize: z.number().int().min(1), gamma: z.number().positive().max(1).default(0.1), warmupEpochs }).strict(),
  z.object({ kind: z.literal('cosine'), minLr: z.number().min(0).default(0), warmupEpochs }).strict(),
]);
/** A validated schedule config. */
export type ScheduleConfig = z.output<typeof ScheduleConfigSchema>;

/** The learning rate of batch `batch` (of `batches`) in epoch `epoch` (0-based) of `epochs`. */
export function learningRate(s: ScheduleConfig, lr: number, epoch: number, batch: number, batches: number, epochs: number): number {
  const rate = scheduled(s, lr, epoch, batch, batches, epochs);
  if (s.warmupEpochs === undefined) return rate;
  return rate * Math.min(1, (epoch + (batch + 1) / Math.max(1, batches)) / s.warmupEpochs);
}

function scheduled(s: ScheduleConfig, lr: number, epoch: number, batch: number, batches: number, epochs: number): number {
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
