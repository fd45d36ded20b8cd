/** Memory available to this process, and the error raised when a run would not fit. */
import os from 'node:os';

/** Bytes this process can still allocate: free memory, and within a cgroup limit if there is one. */
export function availableMemory(): number {
  let available = os.freemem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  if (constrained && constrained > 0 && constrained < Number.MAX_SAFE_INTEGER) {
    available = Math.min(available, constrained - process.memoryUsage().rss);
  }
  return Math.max(0, available);
}

/** Bytes as '1.50 GiB', '320 MiB'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 && u > 0 ? 2 : v < 100 && u > 0 ? 1 : 0)} ${units[u]}`;
}

/** A run or call refused before any work because it would not fit in memory. */
export class MemoryLimitError extends Error {
  constructor(
    readonly neededBytes: number,
    readonly limitBytes: number,
    what: string,
    advice = "use a smaller batch or fewer steps, or memory: 'compact' (--memory compact) to store BPTT state in 16 bits",
  ) {
    super(`${what} needs about ${formatBytes(neededBytes)} of memory, more than the ${formatBytes(limitBytes)} available; ${advice}`);
    this.name = 'MemoryLimitError';
  }
}
