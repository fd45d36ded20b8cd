/** Reads a JSON or YAML config file (by extension), with errors that name the file and the line. */
import { readFileSync } from 'node:fs';

import { parse as parseYaml } from 'yaml';

/** Deeper nesting than this is no config; refusing it keeps recursive validation off the stack limit. */
const MAX_DEPTH = 32;

/** Nesting depth of a parsed value, without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    deepest = Math.max(deepest, d);
    if (deepest > MAX_DEPTH) return deepest;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const yaml = /\.ya?ml$/i.test(file);
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError || /Maximum call stack/.test((err as Error).message)) throw new Error(`${file}: nested too deeply to read (a config is a few levels deep)`);
    throw new Error(`${file}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.slice(0, 500)}`);
  }
  if (depthOf(value) > MAX_DEPTH) throw new Error(`${file}: nested more than ${MAX_DEPTH} levels deep (a config is a few levels deep)`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file}: expected an object of options at the top level`);
  }
  return value as Record<string, unknown>;
}
