/**
 * Output piped into a reader that stops early (`spikegrad sweep spec --dry-run | head`): the CLI ends quietly with
 * exit code 0 instead of dying on an unhandled EPIPE (src/cli/main.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { cli, writeSpec } from './sweep-fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-epipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spikegrad output into a closed pipe', () => {
  it('a dry run listing more than a pipe buffer ends with exit 0 and no error when the reader goes away', async () => {
    // 3000 trials, about 100 bytes each: far more than the 64 KiB a pipe holds, so writes after the reader has
    // closed its end fail with EPIPE.
    const spec = writeSpec(dir, 'many', {
      grid: [{ seed: Array.from({ length: 1000 }, (_, i) => i + 1), lr: [0.001, 0.002, 0.003] }],
    });
    const child = spawn(process.execPath, [cli, 'sweep', spec, '--dry-run'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let firstChunk = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.once('data', (d: Buffer) => {
        firstChunk = d.toString();
        child.stdout.destroy(); // what `head` does after its first lines
      });
      child.on('close', (c) => resolve(c));
    });
    expect(firstChunk).toMatch(/new/);
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
