/**
 * Optional dependencies. The sweep store (better-sqlite3), the queue (bullmq, ioredis), charts (vega, vega-lite,
 * @resvg/resvg-js) and HDF5 (h5wasm) are optional peer dependencies: a service that only trains or predicts does
 * not install them. They load on first use; a missing one is reported with the feature that needs it and the
 * command that installs it.
 */
import { createRequire } from 'node:module';

/** The exact versions spikegrad is tested with (package.json peerDependencies). */
export const OPTIONAL_PACKAGES: Record<string, string> = {
  'better-sqlite3': '12.11.1',
  bullmq: '6.7.0',
  ioredis: '5.11.1',
  vega: '6.4.0',
  'vega-lite': '6.4.1',
  '@resvg/resvg-js': '2.6.2',
  h5wasm: '0.10.3',
};

/** A feature needs an optional package that is not installed. */
export class MissingDependencyError extends Error {
  constructor(
    readonly packages: string[],
    feature: string,
  ) {
    const install = packages.map((p) => `${p}@${OPTIONAL_PACKAGES[p.replace(/\/node$/, '')] ?? 'latest'}`.replace('/node@', '@')).join(' ');
    super(`${feature} needs the optional package${packages.length > 1 ? 's' : ''} ${packages.join(', ')}: install with "npm install ${install}"`);
    this.name = 'MissingDependencyError';
  }
}

const isMissing = (err: unknown, name: string) => {
  const code = (err as NodeJS.ErrnoException).code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes(name.replace(/\/node$/, ''));
};

/** Loads a CommonJS optional package synchronously. */
export function requireOptional<T>(name: string, feature: string): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (err) {
    if (isMissing(err, name)) throw new MissingDependencyError([name], feature);
    throw err;
  }
}

/** Runs a dynamic import of an optional package, turning "not installed" into a MissingDependencyError. */
export async function importOptional<T>(name: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissing(err, name)) throw new MissingDependencyError([name.replace(/\/node$/, '')], feature);
    throw err;
  }
}
