/** Train / validation / test splits. */
import { Rng } from '../util/rng.js';
import { deriveSeed } from '../util/seeds.js';
import type { AnyDataset, DatasetSplits, EventDataset } from './dataset.js';

/** Consecutive slices of an (already shuffled) data set by fractions [train, valid, test]. */
export function splitByFractions(data: EventDataset, fractions: readonly [number, number, number]): DatasetSplits<EventDataset> {
  const n = data.size;
  const nTrain = Math.round(n * fractions[0]);
  const nValid = Math.round(n * (fractions[0] + fractions[1])) - nTrain;
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  return {
    train: data.subset(range(0, nTrain), `${data.name}/train`),
    valid: data.subset(range(nTrain, nTrain + nValid), `${data.name}/valid`),
    test: data.subset(range(nTrain + nValid, n), `${data.name}/test`),
  };
}

/** Holds out a seeded random fraction of `data` as validation. */
export function holdOutRandom(data: EventDataset, fraction: number, seed: number): { train: EventDataset; valid: EventDataset } {
  const order = Array.from({ length: data.size }, (_, i) => i);
  new Rng(deriveSeed(seed, 'validation-split')).shuffle(order);
  const nValid = Math.round(data.size * fraction);
  const valid = order.slice(0, nValid).sort((a, b) => a - b);
  const train = order.slice(nValid).sort((a, b) => a - b);
  return { train: data.subset(train, `${data.name}/train`), valid: data.subset(valid, `${data.name}/valid`) };
}

/**
 * Holds out whole groups (e.g. SHD speakers) as validation: groups are shuffled with the seed and taken until
 * `fraction` of the samples is reached, so no speaker appears in both splits.
 */
export function holdOutGroups<D extends AnyDataset>(data: D, fraction: number, seed: number): { train: D; valid: D; validGroups: number[] } {
  if (!data.groups) throw new Error(`${data.name}: no per-sample groups (speakers) to split by`);
  const counts = new Map<number, number>();
  for (const g of data.groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const groups = [...counts.keys()].sort((a, b) => a - b);
  new Rng(deriveSeed(seed, 'group-split')).shuffle(groups);
  const chosen = new Set<number>();
  let taken = 0;
  for (const g of groups) {
    if (taken >= fraction * data.size || chosen.size === groups.length - 1) break;
    chosen.add(g);
    taken += counts.get(g)!;
  }
  const valid: number[] = [];
  const train: number[] = [];
  data.groups.forEach((g, i) => (chosen.has(g) ? valid : train).push(i));
  return {
    train: data.subset(train, `${data.name}/train`) as D,
    valid: data.subset(valid, `${data.name}/valid`) as D,
    validGroups: [...chosen].sort((a, b) => a - b),
  };
}
