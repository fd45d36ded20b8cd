#!/usr/bin/env node
// npm install hook: keep a native addon that loads on this machine (a local build or a prebuild), otherwise
// compile one with cmake-js. The candidate is loaded in a child process, so a bad binary cannot crash npm.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function existingAddonLoads() {
  const probe = `require('node-gyp-build')(${JSON.stringify(root)}).info()`;
  const result = spawnSync(process.execPath, ['-e', probe], { cwd: root, stdio: 'ignore' });
  return result.status === 0;
}

const forced = process.env.SPIKEGRAD_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
if (!forced && existingAddonLoads()) {
  console.log('spikegrad: using the native addon already present (set SPIKEGRAD_BUILD_FROM_SOURCE=1 to rebuild)');
  process.exit(0);
}

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  require.resolve('node-addon-api');
} catch {
  console.error(
    `\nspikegrad: no prebuilt native addon loads on this machine (${process.platform}-${process.arch}, ` +
      `${process.report?.getReport?.().header?.glibcVersionRuntime ? 'glibc' : 'not glibc'}), and building one needs the ` +
      'packages cmake-js and node-addon-api:\n  npm install cmake-js@8.0.0 node-addon-api@8.9.2 && npm rebuild spikegrad\n' +
      '(and cmake >= 3.15 and g++ >= 9; Debian/Ubuntu: apt-get install cmake g++).',
  );
  process.exit(1);
}
const args = [cmakeJs, 'compile', '--out', 'build'];
if (process.env.SPIKEGRAD_MARCH_NATIVE === '1') args.push('--CDSPIKEGRAD_MARCH_NATIVE=ON');
console.log('spikegrad: building the native addon with cmake-js');
const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error(
    '\nspikegrad: building the native addon failed. It needs cmake >= 3.15 and a C++17 compiler (g++ >= 9);\n' +
      'on Debian/Ubuntu: apt-get install cmake g++. Then run "npm run build:native" in ' + root + '.',
  );
  process.exit(build.status || 1);
}
