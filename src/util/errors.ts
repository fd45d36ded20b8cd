/** One problem with a config: where (a dotted path) and what is expected. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * A config or option that failed validation. The message lists every problem, each with the path of the
 * field, what was expected and what was given, so a user can fix them all at once.
 */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(what: string, issues: ConfigIssue[]) {
    super(`invalid ${what}:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Formats a path like ['layers', 0, 'size'] as layers[0].size. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A short rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value.length <= 60 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 40))}... (a string of ${value.length} characters)`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}
