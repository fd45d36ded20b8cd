import type { z } from 'zod';

import { ConfigError, describeValue, formatPath } from './errors.js';

/**
 * Parses `input` with a zod schema and turns every issue into a ConfigError that names the field, what is
 * allowed and what was given.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = formatPath(issue.path);
    let input = 'input' in issue ? issue.input : undefined;
    // A discriminated union reports its parent object as the input: show the discriminator's own value.
    const key = issue.path[issue.path.length - 1];
    if (input !== null && typeof input === 'object' && !Array.isArray(input) && typeof key === 'string' && key in input) {
      input = (input as Record<string, unknown>)[key];
    }
    const given = 'input' in issue && issue.code !== 'unrecognized_keys' ? ` (got ${describeValue(input)})` : '';
    return { path, message: `${issue.message}${given}` };
  });
  throw new ConfigError(what, issues);
}
