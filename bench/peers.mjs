// The Python peers of the benchmarks (bench/peers/*.py): which script builds each, whether it can run in a given
// interpreter, and how it is started (thread count, OpenBLAS, the frameworks' checkouts on PYTHONPATH).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { benchDir } from './common.mjs';

export const PEERS = {
  torch: { script: 'torch_snn.py', label: 'PyTorch' },
  snntorch: { script: 'snntorch_snn.py', label: 'snnTorch' },
  norse: { script: 'norse_snn.py', label: 'Norse' },
  spikingjelly: { script: 'spikingjelly_snn.py', label: 'SpikingJelly' },
};

const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
const peersDir = path.join(benchDir, 'peers');

/** A warning when the peers would run on Debian's reference BLAS (10-30x slower than OpenBLAS), else null. */
export function blasWarning() {
  return existsSync(OPENBLAS) ? null : `${OPENBLAS} is missing: the peers run on the reference BLAS and are far slower than usual (apt-get install libopenblas0-openmp)`;
}

/** The environment of a peer process: its thread count, Debian's OpenMP OpenBLAS, the frameworks' checkouts. */
export function peerEnv(threads, pythonPath) {
  const paths = [peersDir, ...(pythonPath ? pythonPath.split(':') : []), ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])];
  return {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    PYTHONPATH: paths.join(':'),
    ...(existsSync(OPENBLAS) ? { LD_LIBRARY_PATH: OPENBLAS } : {}),
  };
}

/** Why the peer cannot run in this interpreter (the last line of its import error), or null when it can. */
export function peerAvailability(python, pythonPath, name) {
  if (!existsSync(python)) return `${python} does not exist`;
  const module = PEERS[name].script.replace(/\.py$/, '');
  const r = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8', env: peerEnv(1, pythonPath) });
  if (r.status === 0) return null;
  const last = (r.stderr || '').trim().split('\n').pop() || `exit status ${r.status}`;
  const hint = name === 'torch' ? 'Debian: apt-get install python3-torch, or --python PATH of an interpreter that can' : `put a checkout of ${PEERS[name].label} on --pythonpath (see bench/README.md)`;
  return `${python} cannot import ${name === 'torch' ? 'torch' : `the ${PEERS[name].label} adapter`} (${last}); ${hint}`;
}

/** Runs one peer script; its last stdout line is its JSON result, or { error } with the last line of stderr. */
export function runPeerScript(python, pythonPath, name, args, threads) {
  const r = spawnSync(python, [path.join(peersDir, PEERS[name].script), ...args], { encoding: 'utf8', env: peerEnv(threads, pythonPath), maxBuffer: 1 << 26 });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').pop() || `exit status ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
