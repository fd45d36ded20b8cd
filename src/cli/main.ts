#!/usr/bin/env node
/** The spikegrad command line: one file per command under src/cli/, registered here. */
import { Command } from 'commander';

import { version } from '../info.js';
import { registerData } from './data-command.js';
import { registerEval } from './eval-command.js';
import { registerInfo } from './info-command.js';
import { runCli } from './run.js';
import { registerTrain } from './train-command.js';

const program = new Command();
program
  .name('spikegrad')
  .description('Surrogate-gradient training of spiking neural networks on CPUs')
  .version(version);
registerInfo(program);
registerData(program);
registerTrain(program);
registerEval(program);

await runCli(program, process.argv);
