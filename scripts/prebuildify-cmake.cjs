#!/usr/bin/env node
// prebuildify has no cmake-js backend; it runs this script in place of node-gyp ("rebuild --target=... --arch=...
// --release") and then takes build/Release/*.node. The build is portable: no -march=native, kernels pick their
// instruction set at run time.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const arch = (argv.find((a) => a.startsWith('--arch=')) || '').slice('--arch='.length);
const debug = argv.includes('--debug');

const args = [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--out', 'build', '--CDSPIKEGRAD_MARCH_NATIVE=OFF'];
if (arch) args.push('--arch', arch);
if (debug) args.push('--debug');
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
