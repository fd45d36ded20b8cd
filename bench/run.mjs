// spikegrad's benchmark harness (issue 6, issue 18): named configs, 1 and 2 threads, median of repeats after warm-up,
// each config in a fresh process so its peak RSS is its own; optionally Python peers side by side in the same run
// (plain PyTorch, snnTorch, Norse, SpikingJelly: bench/peers/) and OpenBLAS sgemm on the dense shapes. Prints a table
// and writes bench/results/<name>.json.
// With --against DIR (another built checkout, e.g. `git worktree add DIR <commit> && cd DIR && npm ci && npm run
// build`), that checkout's library runs the same configs in alternating processes: an engine change's A/B.
//   node bench/run.mjs [--configs shd,fmnist] [--threads 1,2] [--repeats 7] [--rounds 3] [--peers [torch,snntorch,norse,spikingjelly]]
//                      [--against DIR] [--python PATH] [--pythonpath DIR:DIR] [--out name] [--dir results-dir]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { benchDir, busyFraction, machine, writeResult } from './common.mjs';
import { CONFIGS, DEFAULT_SET } from './configs.mjs';
import { PEERS, blasWarning, peerAvailability, peerEnv, runPeerScript } from './peers.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const configs = flag('configs', DEFAULT_SET.join(',')).split(',');
const threadList = flag('threads', '1,2').split(',').map(Number);
const repeats = Number(flag('repeats', '7'));
// --peers alone means every peer; --peers a,b names them.
const peersAt = args.indexOf('--peers');
const peersValue = peersAt >= 0 && args[peersAt + 1] && !args[peersAt + 1].startsWith('--') ? args[peersAt + 1] : undefined;
const peerNames = peersAt < 0 ? [] : peersValue ? peersValue.split(',') : Object.keys(PEERS);
const withPeers = peerNames.length > 0;
// spikegrad and the peers run alternately in this many rounds; each side's figures are medians over rounds, so a
// drift in machine speed (this machine is shared) affects every side alike.
const against = flag('against', undefined);
const rounds = Number(flag('rounds', withPeers || against ? '3' : '1'));
const outName = flag('out', withPeers ? 'peers' : 'spikegrad');
const resultsDir = flag('dir', undefined);
for (const c of configs) {
  if (!CONFIGS[c]) {
    console.error(`--configs: unknown config "${c}"; expected one of ${Object.keys(CONFIGS).join(', ')}`);
    process.exit(2);
  }
}
for (const name of peerNames) {
  if (!PEERS[name]) {
    console.error(`--peers: unknown peer "${name}"; expected some of ${Object.keys(PEERS).join(', ')}`);
    process.exit(2);
  }
}
for (const [name, value] of [['threads', threadList], ['repeats', [repeats]], ['rounds', [rounds]]]) {
  if (!value.every((v) => Number.isInteger(v) && v >= 1)) {
    console.error(`--${name}: expected positive integers, got ${flag(name)}`);
    process.exit(2);
  }
}

if (against !== undefined && !existsSync(path.join(against, 'dist', 'index.js'))) {
  console.error(`--against: ${path.join(against, 'dist', 'index.js')} does not exist; give a built spikegrad checkout (npm run build in it)`);
  process.exit(2);
}

// The interpreter of the peers: any Python that can import torch (a virtualenv, a conda env); --pythonpath adds the
// checkouts of the frameworks (none of them is in Debian).
const PYTHON = flag('python', '/usr/bin/python3');
const PYTHONPATH = flag('pythonpath', undefined);
if (withPeers && !existsSync(PYTHON)) {
  console.error(`--python: ${PYTHON} does not exist; give the path of a Python interpreter that can import torch`);
  process.exit(2);
}

// One config in a fresh process: this checkout's library, or the one in `root`.
function runSpikegrad(cfg, threads, dumpDir, root) {
  const out = execFileSync(process.execPath, [path.join(benchDir, 'spikegrad-worker.mjs'), JSON.stringify(cfg), String(threads), String(repeats), '2', ...(dumpDir ? [dumpDir] : [])], {
    encoding: 'utf8',
    env: root ? { ...process.env, SPIKEGRAD_ROOT: path.resolve(root) } : process.env,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** The run whose median time is the median over rounds (keeping its other figures), with every round's times. */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.medianSeconds - b.medianSeconds);
  return { ...sorted[(sorted.length - 1) >> 1], rounds: runs.map((r) => r.medianSeconds) };
}

function runPeer(name, cfg, threads, sharedDir) {
  return runPeerScript(PYTHON, PYTHONPATH, name, ['--config', JSON.stringify(cfg), '--threads', String(threads), '--repeats', String(Math.min(repeats, 5)), ...(sharedDir ? ['--shared', sharedDir] : [])], threads);
}

function sgemm(shapes, threads) {
  const r = spawnSync(PYTHON, [path.join(benchDir, 'peers', 'sgemm.py'), JSON.stringify(shapes), String(threads)], { encoding: 'utf8', env: peerEnv(threads, PYTHONPATH) });
  return r.status === 0 ? JSON.parse(r.stdout) : null;
}

const available = [];
for (const name of peerNames) {
  const why = peerAvailability(PYTHON, PYTHONPATH, name);
  if (why) console.log(`${PEERS[name].label} peer skipped: ${why}`);
  else available.push(name);
}
const hasTorch = available.length > 0;
if (hasTorch && blasWarning()) console.log(`warning: ${blasWarning()}`);
const busy = await busyFraction(1000);
const m = { ...machine(), busyBefore: busy };
console.log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; CPUs busy ${(100 * busy).toFixed(0)} % before the run${busy > 0.15 ? ' (NOT idle: another process is using the CPU, timings are pessimistic)' : ''}`);

const rows = [];
const ms = (s) => (s * 1000).toFixed(s < 1 ? 1 : 0).padStart(8);
for (const name of configs) {
  const cfg = CONFIGS[name];
  for (const threads of threadList) {
    const shared = hasTorch ? mkdtempSync(path.join(os.tmpdir(), 'spikegrad-bench-')) : undefined;
    const oursRuns = [];
    const againstRuns = [];
    const peerRuns = Object.fromEntries(available.map((p) => [p, []]));
    for (let round = 0; round < rounds; round++) {
      oursRuns.push(runSpikegrad(cfg, threads, shared));
      if (against) againstRuns.push(runSpikegrad(cfg, threads, undefined, against));
      if (name.startsWith('onm-16384')) continue;
      for (const p of available) peerRuns[p].push(runPeer(p, cfg, threads, shared));
    }
    if (shared) rmSync(shared, { recursive: true, force: true });
    const ours = medianRun(oursRuns);
    const peers = {};
    for (const [p, runs] of Object.entries(peerRuns)) {
      if (runs.length === 0) continue;
      const failed = runs.find((r) => r.error);
      const peer = failed ?? medianRun(runs);
      peers[p] = failed ? peer : { ...peer, ratio: peer.medianSeconds / ours.medianSeconds, rssRatio: ours.peakRssBytes / peer.peakRssBytes };
    }
    // The recurrent backward product: per core GFLOP/s over the thread-seconds of the product phase.
    const productFlops = cfg.recurrent ? cfg.hidden.reduce((s, h) => s + 2 * cfg.batch * cfg.steps * h * h, 0) : 0;
    const productGflopsPerCore = ours.timings && ours.timings.products > 0 && productFlops > 0 ? productFlops / ours.timings.products / 1e9 : null;
    // `peer`, `ratio`, `rssRatio`: the plain-PyTorch peer, as in the result files of earlier runs.
    const torchPeer = peers.torch ?? null;
    // `against`: the other checkout, and how much faster this one is (its median time over ours).
    const other = againstRuns.length > 0 ? medianRun(againstRuns) : null;
    const againstRow = other ? { root: path.resolve(against), ...other, speedup: other.medianSeconds / ours.medianSeconds } : null;
    const row = { config: name, threads, spikegrad: ours, against: againstRow, peers, peer: torchPeer, ratio: torchPeer?.ratio ?? null, rssRatio: torchPeer?.rssRatio ?? null, productGflopsPerCore };
    rows.push(row);
    console.log(
      `${name.padEnd(10)} ${String(threads).padStart(2)} thr  spikegrad ${ms(ours.medianSeconds)} ms (min ${ms(ours.minSeconds)})  ${Math.round(ours.samplesPerSecond).toString().padStart(7)} samples/s  ` +
        `rate ${ours.hiddenRate.toFixed(3)}  RSS ${(ours.peakRssBytes / 2 ** 20).toFixed(0).padStart(5)} MB` +
        (productGflopsPerCore ? `  recurrent product ${productGflopsPerCore.toFixed(1)} GFLOP/s/core` : ''),
    );
    if (againstRow) {
      console.log(
        `${''.padEnd(18)}| against  ${ms(againstRow.medianSeconds)} ms (min ${ms(againstRow.minSeconds)})  rate ${againstRow.hiddenRate.toFixed(3)}  => this checkout ${againstRow.speedup.toFixed(2)}x (rounds: ${oursRuns.map((r, i) => (againstRuns[i].medianSeconds / r.medianSeconds).toFixed(2)).join(' / ')})`,
      );
    }
    for (const [p, peer] of Object.entries(peers)) {
      console.log(
        peer.error
          ? `${''.padEnd(18)}| ${PEERS[p].label} failed: ${peer.error}`
          : `${''.padEnd(18)}| ${PEERS[p].label.padEnd(12)} ${ms(peer.medianSeconds)} ms  rate ${peer.hiddenRate.toFixed(3)}  RSS ${(peer.peakRssBytes / 2 ** 20).toFixed(0).padStart(5)} MB  => spikegrad ${peer.ratio.toFixed(1)}x faster, ${(peer.rssRatio * 100).toFixed(0)} % RSS`,
      );
    }
  }
}

// Speed-up from 1 to 2 threads.
for (const name of configs) {
  const t1 = rows.find((r) => r.config === name && r.threads === 1);
  const t2 = rows.find((r) => r.config === name && r.threads === 2);
  if (t1 && t2) console.log(`${name.padEnd(10)} 1 -> 2 threads: ${(t1.spikegrad.medianSeconds / t2.spikegrad.medianSeconds).toFixed(2)}x`);
}

let sgemmRef = null;
if (hasTorch) {
  const shapes = [...new Set(configs.filter((c) => CONFIGS[c].recurrent).map((c) => `${CONFIGS[c].batch},${CONFIGS[c].hidden[0]},${CONFIGS[c].hidden[0]}`))].map((s) => s.split(',').map(Number));
  if (shapes.length > 0) {
    sgemmRef = Object.fromEntries(threadList.map((t) => [t, sgemm(shapes, t)]));
    for (const [t, res] of Object.entries(sgemmRef)) for (const r of res ?? []) console.log(`OpenBLAS sgemm [${r.shape.join('x')}] ${t} thr: ${r.gflops.toFixed(1)} GFLOP/s (${(r.gflops / Number(t)).toFixed(1)} per core)`);
  }
}
const busyAfter = await busyFraction(500);
console.log(`wrote ${writeResult(outName, { machine: { ...m, busyAfter }, repeats, rounds, against: against ? path.resolve(against) : null, rows, sgemm: sgemmRef }, resultsDir)}`);
