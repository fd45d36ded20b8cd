import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

describe('spikegrad info', () => {
  it('prints the version, SIMD level and threads', () => {
    const out = execFileSync(process.execPath, [cli, 'info', '--json'], { encoding: 'utf8' });
    const info = JSON.parse(out);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(['avx512', 'avx2', 'generic']).toContain(info.simd);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.optionalAddons).toEqual({ mpi: expect.any(Boolean), hdf5Export: expect.any(Boolean) });
  });

  it('honours SPIKEGRAD_SIMD to lower the level', () => {
    const out = execFileSync(process.execPath, [cli, 'info'], { encoding: 'utf8', env: { ...process.env, SPIKEGRAD_SIMD: 'generic' } });
    expect(out).toMatch(/simd: +generic/);
  });

  it('says which optional addons were built, looking for them where their environment variables point', () => {
    const out = execFileSync(process.execPath, [cli, 'info'], { encoding: 'utf8', env: { ...process.env, SPIKEGRAD_HDF5_ADDON: '/nonexistent/h5.node', SPIKEGRAD_MPI_ADDON: '/nonexistent/mpi.node' } });
    expect(out).toMatch(/addons: +mpi missing \(built only where an MPI library is found\), hdf5 export missing \(built only where libhdf5 is found\)/);
  });

  it('runs as an executable, as npx and the bin link start it', () => {
    // build:ts recreates dist/ and has to set the executable bit again (tsc does not).
    const out = execFileSync(cli, ['info', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints help for unknown commands with a non-zero exit', () => {
    expect(() => execFileSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8', stdio: 'pipe' })).toThrow(/unknown command/);
  });
});
