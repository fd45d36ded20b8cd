/**
 * A sweep spec (YAML or JSON): a base training config and the values to vary. `grid` is a product over config
 * fields (one object) or a union of products (a list of objects); `list` adds single trials. A field is a dotted
 * path into the training config, with [i] for array items: `network.surrogate.scale`, `lr`, `seed`,
 * `regularizers[1].strength`. Every trial is validated as a full training config before anything runs.
 */
import { createHash } from 'node:crypto';

import { z } from 'zod';

import { parseDatasetConfig } from '../data/registry.js';
import { parseTrainConfig, type TrainConfig } from '../train/train-config.js';
import { ConfigError, type ConfigIssue, describeValue } from '../util/errors.js';
import { stableStringify } from '../util/stable-json.js';
import { parseWithSchema } from '../util/validate.js';

const FIELD_PATH = /^[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*$/;
/** Keys that reach an object's prototype: a path through them could change every object of the process. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

function forbiddenSegment(field: string): string | undefined {
  return field.split(/[.[\]]/).find((segment) => FORBIDDEN_SEGMENTS.has(segment));
}
/** Objects keyed by config paths; a malformed key is named with what is expected. */
const byFieldPath = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      const forbidden = forbiddenSegment(key);
      if (forbidden !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${forbidden}" is not a config field (it would reach the prototype of every object)` });
      else if (!FIELD_PATH.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `expected a dotted config path like network.surrogate.scale or regularizers[1].strength, got "${key}"` });
    }
  });
const Grid = byFieldPath(z.array(z.unknown()).min(1, 'expected at least one value'));
const Overrides = byFieldPath(z.unknown());

/**
 * The zod schema of a sweep spec: name, store, figures, base config, grid (a product over config fields, or a list
 * of products) and list (single trials), attempts per trial (2).
 */
export const SweepSpecSchema = z
  .object({
    /** Names the sweep in the store; trials of different sweeps never mix. */
    name: z.string().regex(/^[\w.-]+$/, 'expected letters, digits, dot, dash or underscore').max(100),
    description: z.string().optional(),
    /** SQLite results file, relative to the spec file; default results/<name>.sqlite. */
    store: z.string().min(1).optional(),
    /** Report recipes that draw this sweep's trials (spikegrad report). */
    figures: z.array(z.string()).default([]),
    base: z.record(z.string(), z.unknown()).default({}),
    /** One product, or a list of products whose trials are joined. */
    grid: z.preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [v] : v), z.array(Grid).min(1)).optional(),
    list: z.array(Overrides).optional(),
    /** Attempts per trial before it is stored as failed. */
    attempts: z.number().int().min(1).max(100).default(2),
  })
  .strict()
  .refine((s) => s.grid !== undefined || s.list !== undefined, { message: 'expected a grid or a list of trials', path: ['grid'] });

/** A validated sweep spec. */
export type SweepSpec = z.output<typeof SweepSpecSchema>;

/** One trial of a sweep: its stable id, position, swept fields and complete validated training config. */
export interface Trial {
  /** Stable id: a hash of the sweep name and the complete config (threads excluded). */
  id: string;
  /** Position in the expanded spec. */
  index: number;
  /** The swept fields and their values for this trial. */
  overrides: Record<string, unknown>;
  config: TrainConfig;
}

/** Validates a sweep spec; throws a ConfigError naming each bad field. */
export function parseSweepSpec(input: unknown): SweepSpec {
  return parseWithSchema(SweepSpecSchema, input, 'sweep spec');
}

/** Every combination of the grid's values, in order (the last field varies fastest). */
function product(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [field, values] of Object.entries(grid)) {
    out = out.flatMap((o) => values.map((v) => ({ ...o, [field]: v })));
  }
  return out;
}

function parsePath(field: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const segment of field.split('.')) {
    const [key, ...indices] = segment.split('[');
    parts.push(key);
    for (const index of indices) parts.push(Number(index.slice(0, -1)));
  }
  return parts;
}

/** Sets `field` in a deep copy of `base`, creating objects on the way; an array index must exist. */
export function setField(base: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const forbidden = forbiddenSegment(field);
  if (forbidden !== undefined) throw new ConfigError('sweep spec', [{ path: field, message: `"${forbidden}" is not a config field (it would reach the prototype of every object)` }]);
  const root = structuredClone(base);
  const parts = parsePath(field);
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i];
    let next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined && typeof parts[i + 1] === 'string') {
      next = {};
      node[key] = next;
    }
    if (typeof parts[i + 1] === 'number' && !Array.isArray(next)) {
      throw new ConfigError('sweep spec', [{ path: field, message: `${parts.slice(0, i + 1).join('.')} is ${describeValue(next)} in the base config, not an array` }]);
    }
    if (Array.isArray(next) && typeof parts[i + 1] === 'number' && (parts[i + 1] as number) >= next.length) {
      throw new ConfigError('sweep spec', [{ path: field, message: `index ${parts[i + 1]} is past the ${next.length} items of the base config's array` }]);
    }
    if (next === null || typeof next !== 'object') {
      throw new ConfigError('sweep spec', [{ path: field, message: `${parts.slice(0, i + 1).join('.')} is ${describeValue(next)} in the base config, not an object` }]);
    }
    node = next as Record<string | number, unknown>;
  }
  node[parts[parts.length - 1]] = structuredClone(value);
  return root;
}

/** The stable id of a trial: a hash of the sweep name and its complete config (threads excluded). */
export function trialId(sweep: string, config: TrainConfig): string {
  const { threads: _threads, ...rest } = config;
  return createHash('sha256').update(stableStringify({ sweep, config: rest })).digest('hex').slice(0, 16);
}

/** More trials than this in one spec is almost certainly a mistake (and would take gigabytes to list). */
export const MAX_TRIALS = 100_000;

/** All trials of a spec, validated; duplicates (equal configs) are listed once. */
export function expandTrials(spec: SweepSpec): Trial[] {
  const count = (spec.grid ?? []).reduce((n, g) => n + Object.values(g).reduce((m, values) => m * values.length, 1), 0) + (spec.list?.length ?? 0);
  if (count > MAX_TRIALS) {
    const sizes = (spec.grid ?? []).map((g) => Object.entries(g).map(([field, values]) => `${field} (${values.length})`).join(' x '));
    throw new ConfigError(`sweep "${spec.name}"`, [
      { path: 'grid', message: `${count.toLocaleString('en-US')} trials, more than the ${MAX_TRIALS.toLocaleString('en-US')} one spec may hold: ${sizes.join(' + ')}; split it into several sweeps` },
    ]);
  }
  const combos = [...(spec.grid ?? []).flatMap(product), ...(spec.list ?? [])];
  const trials: Trial[] = [];
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  combos.forEach((overrides, n) => {
    try {
      let input: Record<string, unknown> = spec.base;
      for (const [field, value] of Object.entries(overrides)) input = setField(input, field, value);
      const config = parseTrainConfig(input);
      // The data set's own options are checked too, so a typo fails here and not in a trial.
      try {
        parseDatasetConfig(config.dataset);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new ConfigError('dataset config', err.issues.map((i) => ({ path: i.path ? `dataset.${i.path}` : 'dataset', message: i.message })));
      }
      const id = trialId(spec.name, config);
      if (seen.has(id)) return;
      seen.add(id);
      trials.push({ id, index: trials.length, overrides, config });
    } catch (err) {
      const where = `trial ${n} (${Object.entries(overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || 'base'})`;
      if (err instanceof ConfigError) issues.push(...err.issues.map((i) => ({ path: i.path ? `${where}: ${i.path}` : where, message: i.message })));
      else throw err;
    }
  });
  if (issues.length > 0) throw new ConfigError(`sweep "${spec.name}"`, issues.slice(0, 20));
  return trials;
}
