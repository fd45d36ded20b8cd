// Data parallelism on one machine (issue 17): the same training iterations as 1 process x 2 threads and as 2 MPI
// ranks x 1 thread (each rank half of every batch, gradients summed in rank order), alternating in rounds; reports
// throughput and the share of an iteration spent in the gradient sum. Writes bench/results/mpi.json.
//   node bench/mpi.mjs [--configs shd,large] [--repeats 7] [--rounds 3]
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { benchDir, busyFraction, machine, median, numberFlag, writeResult } from './common.mjs';
import { CONFIGS } from './configs.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--configs');
const configs = (at >= 0 ? args[at + 1] : 'shd,large').split(',');
const repeats = numberFlag('repeats', 7);
const rounds = numberFlag('rounds', 3);
for (const c of configs) {
  if (!CONFIGS[c]) {
    console.error(`--configs: unknown config "${c}"; expected one of ${Object.keys(CONFIGS).join(', ')}`);
    process.exit(2);
  }
}
const worker = path.join(benchDir, 'mpi-worker.mjs');
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
const last = (out) => JSON.parse(out.trim().split('\n').pop());
const single = (cfg) => last(execFileSync(process.execPath, [worker, JSON.stringify(cfg), '2', String(repeats)], { encoding: 'utf8', env }));
// Open MPI's default placement for 2 ranks: each bound to its own core, as on a cluster node with a rank per core.
const ranks = (cfg) => last(execFileSync('mpirun', ['--oversubscribe', '-np', '2', process.execPath, worker, JSON.stringify(cfg), '1', String(repeats), 'mpi'], { encoding: 'utf8', env }));

const busy = await busyFraction(1000);
const m = { ...machine(), busyBefore: busy };
console.log(`${m.cpu}, ${m.cores} cores; CPUs busy ${(100 * busy).toFixed(0)} % before the run`);
const rows = [];
for (const name of configs) {
  const cfg = CONFIGS[name];
  const one = [];
  const two = [];
  for (let r = 0; r < rounds; r++) {
    one.push(single(cfg));
    two.push(ranks(cfg));
  }
  const pick = (runs) => ({ ...[...runs].sort((a, b) => a.medianSeconds - b.medianSeconds)[(runs.length - 1) >> 1], rounds: runs.map((x) => x.medianSeconds) });
  const a = pick(one);
  const b = pick(two);
  const row = { config: name, oneRankTwoThreads: a, twoRanksOneThread: b, ratio: a.medianSeconds / b.medianSeconds, sumShare: median(two.map((x) => x.sumSeconds / x.medianSeconds)) };
  rows.push(row);
  console.log(
    `${name.padEnd(8)} 1 rank x 2 threads ${(a.medianSeconds * 1000).toFixed(1).padStart(7)} ms (${a.samplesPerSecond.toFixed(0)} samples/s)   ` +
      `2 ranks x 1 thread ${(b.medianSeconds * 1000).toFixed(1).padStart(7)} ms (${b.samplesPerSecond.toFixed(0)} samples/s), gradient sum ${(b.sumSeconds * 1000).toFixed(2)} ms = ${(100 * row.sumShare).toFixed(1)} % of an iteration, ${(b.gradientBytes / 2 ** 20).toFixed(2)} MiB of gradients`,
  );
}
const busyAfter = await busyFraction(500);
console.log(`wrote ${writeResult('mpi', { machine: { ...m, busyAfter }, repeats, rounds, rows })}`);
