#!/usr/bin/env node
/** The spikegrad command line: one file per command under src/cli/, registered here. */
import { Command } from 'commander';

import { version } from '../info.js';
import { registerBench } from './bench-command.js';
import { registerDashboard } from './dashboard-command.js';
import { registerData } from './data-command.js';
import { registerEval } from './eval-command.js';
import { registerInfo } from './info-command.js';
import { registerConvert, registerPredict } from './model-commands.js';
import { registerReport } from './report-command.js';
import { runCli } from './run.js';
import { registerSweep } from './sweep-command.js';
import { registerTrain } from './train-command.js';
import { registerWorker } from './worker-command.js';

// Output piped into a reader that stops early (`spikegrad sweep x --dry-run | head`) closes stdout: end quietly
// instead of dying on an unhandled EPIPE. A sweep's progress lives in its store, so nothing is lost.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}

const program = new Command();
program
  .name('spikegrad')
  .description('Surrogate-gradient training of spiking neural networks on CPUs')
  .version(version);
registerInfo(program);
registerData(program);
registerTrain(program);
registerEval(program);
registerPredict(program);
registerConvert(program);
registerSweep(program);
registerWorker(program);
registerReport(program);
registerBench(program);
registerDashboard(program);

await runCli(program, process.argv);
