#!/usr/bin/env node
// Builds and runs the C++ tests of native/core on their own (no Node headers needed).
//   node scripts/core-tests.cjs              Release build in build-core/
//   node scripts/core-tests.cjs --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
'use strict';
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const sanitize = process.argv.includes('--sanitize');
const dir = path.join(root, sanitize ? 'build-asan' : 'build-core');
const jobs = String(Math.max(1, os.cpus().length));

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) {
    console.error(`core tests: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  return r.status ?? 1;
}

const configure = [
  '-S', root, '-B', dir,
  '-DSPIKEGRAD_CORE_TESTS=ON',
  `-DCMAKE_BUILD_TYPE=${sanitize ? 'RelWithDebInfo' : 'Release'}`,
  `-DSPIKEGRAD_SANITIZE=${sanitize ? 'ON' : 'OFF'}`,
];
if (run('cmake', configure) !== 0) process.exit(1);
if (run('cmake', ['--build', dir, '--target', 'core_tests', '-j', jobs]) !== 0) process.exit(1);
// Leak checking stays on; libgomp's thread pool is process-lifetime and not reported as a leak.
const env = sanitize ? { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1' } : {};
process.exit(run(path.join(dir, 'core_tests'), process.argv.slice(2).filter((a) => a !== '--sanitize'), env));
