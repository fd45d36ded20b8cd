/**
 * The MPI communicator: loads the optional MPI addon (build/Release/spikegrad_mpi.node, built only where an MPI
 * library is installed), starts MPI and wraps every collective in a watchdog, so that a job whose rank died or
 * hangs ends with a message instead of waiting forever.
 */
import { loadOptionalAddon, type OptionalAddon, REBUILD } from '../util/optional-addon.js';
import type { Communicator } from './communicator.js';

interface MpiAddon {
  init(): { rank: number; size: number; library: string; version: string };
  allgather<T extends Float32Array | Float64Array>(values: T, sum: boolean): Promise<T>;
  barrier(): Promise<void>;
  abort(code: number): void;
  finalize(): void;
}

/** MPI cannot be used here: the addon is missing (no MPI when spikegrad was built) or does not load. */
export class MpiUnavailableError extends Error {
  override readonly name = 'MpiUnavailableError';
  readonly code = 'ERR_SPIKEGRAD_NO_MPI';
}

/** The optional MPI addon (built where an MPI library is found); SPIKEGRAD_MPI_ADDON names another build of it. */
export const MPI_ADDON: OptionalAddon = {
  file: 'spikegrad_mpi.node',
  env: 'SPIKEGRAD_MPI_ADDON',
  feature: '--distributed mpi',
  what: 'MPI support',
  library: 'MPI',
  install: `install MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and ${REBUILD}`,
};

function loadAddon(): MpiAddon {
  return loadOptionalAddon<MpiAddon>(MPI_ADDON, (message) => new MpiUnavailableError(message));
}

/** Options of an MpiCommunicator. */
export interface MpiOptions {
  /** Seconds a collective may wait for the other ranks before the job is aborted (default 600). */
  timeoutSeconds?: number;
  /** Where the watchdog reports (default stderr). */
  log?: (message: string) => void;
}

/**
 * The ranks of an mpirun/srun job as a Communicator: `new MpiCommunicator()` starts MPI (once per process), and
 * `new Trainer(net, config, hooks, undefined, { distributed: comm })` or `runTraining(config, { distributed: comm })`
 * then trains data-parallel. Call `close()` when done (MPI_Finalize).
 */
export class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly size: number;
  /** The MPI library in use, as it names itself. */
  readonly library: string;
  private readonly addon: MpiAddon;
  private readonly timeoutMs: number;
  private readonly log: (message: string) => void;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Starts MPI in this process (every rank of an mpirun/srun job calls this once). */
  constructor(options: MpiOptions = {}) {
    const seconds = options.timeoutSeconds ?? 600;
    if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`mpi timeout: expected a positive number of seconds, got ${seconds}`);
    this.timeoutMs = seconds * 1000;
    this.log = options.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.addon = loadAddon();
    const info = this.addon.init();
    this.rank = info.rank;
    this.size = info.size;
    this.library = info.version.split('\n')[0].trim();
  }

  sum<T extends Float32Array | Float64Array>(values: T): Promise<T> {
    return this.collective('sum', () => this.addon.allgather(values, true));
  }

  gather(values: Float64Array): Promise<Float64Array> {
    return this.collective('gather', () => this.addon.allgather(values, false));
  }

  barrier(): Promise<void> {
    return this.collective('barrier', () => this.addon.barrier());
  }

  abort(code: number): never {
    this.addon.abort(code);
    process.exit(code);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.finalize();
  }

  /** One collective at a time (MPI_THREAD_SERIALIZED), each under the watchdog. */
  private collective<T>(what: string, start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`mpi ${what}: the communicator is closed`));
    const run = this.queue.then(() => this.watch(what, start()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private watch<T>(what: string, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>(() => {
      timer = setTimeout(() => {
        this.log(`spikegrad: rank ${this.rank} of ${this.size}: the other ranks did not answer a ${what} within ${this.timeoutMs / 1000} s (a rank died, hangs, or runs another config); aborting the MPI job`);
        this.abort(3);
      }, this.timeoutMs);
      timer.unref();
    });
    return Promise.race([call, watchdog]).finally(() => clearTimeout(timer));
  }
}
