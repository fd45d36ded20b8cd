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
    const given = 'input' in issue && issue.code !== 'unrecognized_keys' ? ` (got ${describeValue(issue.input)})` : '';
    return { path, message: `${issue.message}${given}` };
  });
  throw new ConfigError(what, issues);
}
