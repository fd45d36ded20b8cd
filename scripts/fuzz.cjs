#!/usr/bin/env node
// Builds the libFuzzer target of the core (native/fuzz/fuzz_engine.cpp) with clang, AddressSanitizer and
// UndefinedBehaviorSanitizer, and runs it over the committed seed corpus for a bounded time.
//   node scripts/fuzz.cjs                 60 s
//   node scripts/fuzz.cjs --seconds 20    (what CI runs)
// Needs clang and its runtime libraries (Debian: apt-get install clang libclang-rt-14-dev). New inputs the
// fuzzer finds go to build-fuzz/corpus (not committed); a crash leaves its input in build-fuzz/ and fails.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'build-fuzz');
const secondsAt = process.argv.indexOf('--seconds');
const seconds = secondsAt > 0 ? Number(process.argv[secondsAt + 1]) : 60;
if (!Number.isInteger(seconds) || seconds < 1) {
  console.error(`fuzz: --seconds: expected a positive integer, got ${process.argv[secondsAt + 1]}`);
  process.exit(2);
}

const clang = ['clang++', 'clang++-14'].find((c) => spawnSync(c, ['--version']).status === 0);
if (!clang) {
  console.error('fuzz: clang++ not found; install it (Debian: apt-get install clang libclang-rt-14-dev)');
  process.exit(1);
}
fs.mkdirSync(path.join(dir, 'corpus'), { recursive: true });
const sources = fs
  .readdirSync(path.join(root, 'native', 'core'))
  .filter((f) => f.endsWith('.cpp'))
  .map((f) => path.join(root, 'native', 'core', f));
const binary = path.join(dir, 'fuzz_engine');
const build = spawnSync(
  clang,
  [
    '-std=c++17', '-O1', '-g', '-fno-omit-frame-pointer', '-Wno-unknown-pragmas',
    '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all',
    '-I', path.join(root, 'native'),
    ...sources, path.join(root, 'native', 'fuzz', 'fuzz_engine.cpp'),
    '-o', binary,
  ],
  { stdio: 'inherit' },
);
if (build.status !== 0) {
  console.error('fuzz: build failed (the runtime libraries come with libclang-rt-14-dev on Debian)');
  process.exit(1);
}
const run = spawnSync(
  binary,
  [path.join(dir, 'corpus'), path.join(root, 'native', 'fuzz', 'corpus'), `-max_total_time=${seconds}`, '-max_len=4096', '-timeout=10', '-rss_limit_mb=2048', `-artifact_prefix=${dir}/`, '-print_final_stats=1'],
  { stdio: 'inherit', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' } },
);
const ok = run.status === 0;
console.log(`fuzz: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed (${seconds} s of libFuzzer over the core's spec, batch and option checks)`);
process.exit(ok ? 0 : 1);
