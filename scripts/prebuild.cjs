#!/usr/bin/env node
// npm run prebuilds: the portable prebuilt addon that npm pack puts into the package, named as node-gyp-build
// looks for it (prebuilds/<platform>-<arch>/spikegrad.glibc.node). prebuildify has no cmake-js backend and moves
// build/Release/*.node away (tests running at the same time load that file), so this script does its two jobs
// itself: build with cmake-js in build-prebuild/ (no -march=native: the kernels pick their instruction set at run
// time; libstdc++ and libgcc are linked statically) and copy the stripped result, atomically. libgomp cannot be
// linked statically into a shared object (its TLS model), so libgomp.so.1 is copied beside the addon, which finds
// it through its RUNPATH $ORIGIN: the prebuilt addon loads on a machine without libgomp1. The result is loaded in
// a child process before the script succeeds.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const fail = (message) => {
  console.error(`prebuild: ${message}`);
  process.exit(1);
};
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed`);
};
if (process.platform !== 'linux') fail('prebuilt addons are made on Linux (glibc)');

run(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--out', 'build-prebuild', '--CDSPIKEGRAD_MARCH_NATIVE=OFF']);
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
/** Copies to a temporary name in `dir`, then renames: a process loading the file never sees half of it. */
const place = (from, name, strip) => {
  const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
  fs.copyFileSync(from, temp);
  if (strip) run('strip', ['--strip-unneeded', temp]);
  fs.renameSync(temp, path.join(dir, name));
};
const gomp = spawnSync('g++', ['-print-file-name=libgomp.so.1'], { encoding: 'utf8' }).stdout.trim();
if (!path.isAbsolute(gomp) || !fs.existsSync(gomp)) fail('libgomp.so.1 not found (g++ -print-file-name=libgomp.so.1)');
place(fs.realpathSync(gomp), 'libgomp.so.1', false);
place(path.join(root, 'build-prebuild', 'Release', 'spikegrad.node'), 'spikegrad.glibc.node', true);
const probe = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(path.join(dir, 'spikegrad.glibc.node'))}); if (!m.exports.info().openmp) process.exit(3);`;
run(process.execPath, ['-e', probe]);
for (const f of fs.readdirSync(dir)) console.log(`prebuild: ${path.join('prebuilds', path.basename(dir), f)} (${(fs.statSync(path.join(dir, f)).size / 1024).toFixed(0)} KiB)`);
