import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Command } from 'commander';


/** The harness ships with the package (bench/ beside dist/); this command runs it in a child process. */
const harness = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'run.mjs');

interface BenchOptions {
  configs?: string;
  threads: string;
  repeats: string;
  rounds?: string;
  peers?: boolean | string;
  python?: string;
  pythonpath?: string;
  against?: string;
  out?: string;
  dir: string;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('time training iterations on the benchmark configs (and Python peers side by side with --peers)')
    .option('--configs <names>', 'comma-separated configs: shd, shd-dense, randman, fmnist, large, onm-512 ... onm-16384')
    .option('--threads <list>', 'thread counts to run, comma-separated', '1,2')
    .option('--repeats <n>', 'timed iterations per run (after 2 warm-up iterations)', '7')
    .option('--rounds <n>', 'alternating rounds of spikegrad and the peer; figures are medians over rounds')
    .option('--peers [names]', 'run Python peers on the same weights and input: torch, snntorch, norse, spikingjelly (default: all that import)')
    .option('--python <path>', 'the Python interpreter of the peers (default /usr/bin/python3)')
    .option('--pythonpath <dirs>', 'colon-separated checkouts of the frameworks for the peers (none is in Debian)')
    .option('--against <dir>', 'another built spikegrad checkout to run the same configs in alternating processes (an A/B)')
    .option('--out <name>', 'result file name without .json')
    .option('--dir <dir>', 'directory for the JSON result', 'bench-results')
    .action(async (options: BenchOptions) => {
      if (!existsSync(harness)) throw new Error(`bench: the harness ${harness} is missing from this installation`);
      const args = [harness, '--threads', options.threads, '--repeats', options.repeats, '--dir', path.resolve(options.dir)];
      if (options.configs) args.push('--configs', options.configs);
      if (options.rounds) args.push('--rounds', options.rounds);
      if (options.out) args.push('--out', options.out);
      if (options.peers) args.push('--peers', ...(typeof options.peers === 'string' ? [options.peers] : []));
      if (options.python) args.push('--python', options.python);
      if (options.pythonpath) args.push('--pythonpath', options.pythonpath);
      if (options.against) args.push('--against', path.resolve(options.against));
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
      });
      if (code !== 0) process.exitCode = code;
    });
}
