/**
 * What data-parallel training needs from a group of processes: who am I, how many are we, and deterministic
 * sums. `MpiCommunicator` (mpi.ts) is the implementation over MPI; the Trainer and evaluation only see this.
 */

export interface Communicator {
  /** This process's index, 0 .. size-1. Rank 0 alone writes files. */
  readonly rank: number;
  /** How many processes train the network together. */
  readonly size: number;
  /**
   * The element-wise sum of every rank's array (same length on every rank), added in rank order 0, 1, ...: the
   * same bits on every rank, and the same bits whenever the inputs are.
   */
  sum<T extends Float32Array | Float64Array>(values: T): Promise<T>;
  /** Every rank's array (same length on every rank), concatenated in rank order. */
  gather(values: Float64Array): Promise<Float64Array>;
  barrier(): Promise<void>;
  /** Ends every process of the job with this exit code (the way out when a rank failed). */
  abort(code: number): never;
  /** Leaves the group (MPI_Finalize); the communicator cannot be used afterwards. */
  close(): void;
}

/** The part [begin, end) of `count` items that `rank` of `size` takes: contiguous, sizes differing by at most one. */
export function shardRange(count: number, rank: number, size: number): { begin: number; end: number } {
  const base = Math.floor(count / size);
  const extra = count % size;
  const begin = rank * base + Math.min(rank, extra);
  return { begin, end: begin + base + (rank < extra ? 1 : 0) };
}

/** A cheap fingerprint of the parameters (two 32-bit FNV-1a hashes over their bytes), to check ranks agree. */
export function parameterHash(parameters: Record<string, Float32Array>): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (const name of Object.keys(parameters).sort()) {
    const p = parameters[name];
    const words = new Uint32Array(p.buffer, p.byteOffset, p.length);
    for (let i = 0; i < words.length; i++) {
      a = Math.imul(a ^ words[i], 0x01000193) >>> 0;
      b = Math.imul(b ^ (words[i] >>> 7 | words[i] << 25), 0x5bd1e995) >>> 0;
    }
  }
  return [a, b];
}

/** The ranks do not hold the same parameters any more (or another consistency check between ranks failed). */
export class DistributedError extends Error {
  override readonly name = 'DistributedError';
}

/** Throws a DistributedError unless every rank holds the same parameters. */
export async function checkRanksAgree(comm: Communicator, parameters: Record<string, Float32Array>, when: string): Promise<void> {
  const all = await comm.gather(Float64Array.from(parameterHash(parameters)));
  for (let r = 1; r < comm.size; r++) {
    if (all[2 * r] !== all[0] || all[2 * r + 1] !== all[1]) {
      throw new DistributedError(`the parameters of rank ${r} differ from rank 0's ${when} (hash ${all[2 * r].toString(16)}${all[2 * r + 1].toString(16)} against ${all[0].toString(16)}${all[1].toString(16)}); the ranks must run the same spikegrad build, config and data`);
    }
  }
}
