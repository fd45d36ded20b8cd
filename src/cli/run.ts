import type { Command } from 'commander';

import { ConfigError } from '../util/errors.js';

/**
 * Parses argv and runs the chosen command. Expected failures (bad config, missing data, native errors) print
 * one clear message and exit with status 1 or 2; nothing prints a stack trace unless SPIKEGRAD_DEBUG is set.
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander already printed the message (or help/version, which exit 0).
      process.exitCode = (err as { exitCode?: number }).exitCode ?? 2;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`spikegrad: ${message}\n`);
    if (process.env.SPIKEGRAD_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof ConfigError ? 2 : 1;
  }
}
