import os from 'node:os';

/** Cores this process may use: the default thread count of every native pass. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
