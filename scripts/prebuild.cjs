#!/usr/bin/env node
// npm run prebuilds: the portable prebuilt addon that npm pack puts into the package (prebuilds/linux-x64/).
// prebuildify runs cmake-js through scripts/prebuildify-cmake.cjs (no -march=native: the kernels pick their
// instruction set at run time; libstdc++ and libgcc are linked statically). libgomp cannot be linked statically
// into a shared object (its TLS model), so libgomp.so.1 is copied beside the addon, which finds it through its
// RUNPATH $ORIGIN: the prebuilt addon loads on a machine without libgomp1. The result is loaded in a child
// process before it is kept.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.status !== 0) {
    console.error(`prebuild: ${cmd} ${args.join(' ')} failed`);
    process.exit(1);
  }
  return r;
};

run(process.execPath, [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc', '--node-gyp', path.join(__dirname, 'prebuildify-cmake.cjs')]);
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const gomp = spawnSync('g++', ['-print-file-name=libgomp.so.1'], { encoding: 'utf8' }).stdout.trim();
if (!path.isAbsolute(gomp) || !fs.existsSync(gomp)) {
  console.error('prebuild: libgomp.so.1 not found (g++ -print-file-name=libgomp.so.1)');
  process.exit(1);
}
fs.copyFileSync(fs.realpathSync(gomp), path.join(dir, 'libgomp.so.1'));
const probe = `const a = require('node-gyp-build')(${JSON.stringify(root)}); if (!a.info().openmp) process.exit(3);`;
run(process.execPath, ['-e', probe]);
for (const f of fs.readdirSync(dir)) console.log(`prebuild: ${path.join('prebuilds', path.basename(dir), f)} (${(fs.statSync(path.join(dir, f)).size / 1024).toFixed(0)} KiB)`);
