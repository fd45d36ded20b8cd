import { randomBytes } from 'node:crypto';

import type { Command } from 'commander';

import { isLoopback, startDashboard } from '../dashboard/server.js';
import { checkRoots } from '../dashboard/sources.js';
import { integer } from './parse-flags.js';

interface DashboardFlags {
  port: number;
  host: string;
  allowRemote?: boolean;
  token?: string | boolean;
  cacheDir?: string;
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard [paths...]')
    .description('serve a live page over sweep stores and run directories (default: the current directory, searched 4 levels deep)')
    .option('--port <n>', 'port to listen on (0: any free port)', integer, 8787)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--allow-remote', 'allow a --host that other machines can reach (prints a warning; use --token)')
    .option('--token [token]', 'require this token on every request (without a value: a random one, printed)')
    .option('--cache-dir <dir>', 'dataset cache directory (run rasters run the trained network on test data)')
    .action(async (paths: string[], flags: DashboardFlags) => {
      if (!Number.isInteger(flags.port) || flags.port < 0 || flags.port > 65535) throw new Error(`--port: expected 0..65535, got ${flags.port}`);
      const roots = checkRoots(paths.length > 0 ? paths : ['.']);
      const token = flags.token === true ? randomBytes(18).toString('base64url') : flags.token || undefined;
      const dashboard = await startDashboard({ roots, host: flags.host, port: flags.port, allowRemote: flags.allowRemote, token, cacheDir: flags.cacheDir });
      if (!isLoopback(flags.host)) {
        process.stderr.write(
          `spikegrad dashboard: WARNING: listening on ${flags.host}, reachable from other machines; ` +
            (token ? 'every request needs the token.\n' : 'anyone who can reach this port can read these results (add --token).\n'),
        );
      }
      process.stdout.write(`spikegrad dashboard: ${dashboard.url}${token ? `?token=${token}` : ''}  (read-only; Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await dashboard.close();
    });
}
