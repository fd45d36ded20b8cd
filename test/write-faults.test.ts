/**
 * Writes interrupted at random moments (the writing process killed with SIGKILL) leave the previous state
 * readable: a checkpoint is always a whole old or new version (temp file + rename), a results store always opens
 * and passes SQLite's integrity check with every committed row.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { readCheckpoint } from '../src/io/checkpoint.js';
import { ResultStore } from '../src/sweep/store.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-faults-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const loop = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'faults', 'write-loop.mjs');

/** Starts the write loop, kills it `delay` ms after its first completed write, and returns the versions it printed. */
async function killDuringWrites(kind: string, file: string, delay: number): Promise<number[]> {
  const child = spawn(process.execPath, [loop, kind, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const first = out === '';
      out += chunk.toString();
      if (first) setTimeout(resolve, delay);
    });
    child.once('exit', () => resolve());
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return out.trim().split('\n').filter(Boolean).map(Number);
}

describe('writes killed at random moments', () => {
  it('a checkpoint is always a whole version: the last one completed or the one being written', async () => {
    const file = path.join(tmp, 'checkpoint.sgck');
    for (let round = 0; round < 8; round++) {
      const written = await killDuringWrites('checkpoint', file, Math.floor(Math.random() * 150));
      const last = written[written.length - 1];
      const c = readCheckpoint(file);
      const version = Number(c.createdAt);
      expect([last, last + 1]).toContain(version);
      expect(c.parameters['hidden.0.recurrent'][512 * 512 - 1]).toBe(version);
      expect(c.state.optimizer.step).toBe(version);
    }
  });

  it('a results store always opens, passes the integrity check and keeps every committed row', async () => {
    const file = path.join(tmp, 'store.sqlite');
    let committed = 0;
    for (let round = 0; round < 6; round++) {
      rmSync(file, { force: true });
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
      const written = await killDuringWrites('store', file, Math.floor(Math.random() * 150));
      committed = written[written.length - 1];
      const store = new ResultStore(file);
      try {
        const rows = store.trials('faults');
        expect(rows.length).toBeGreaterThanOrEqual(committed);
        expect(rows.filter((r) => r.status === 'failed').length).toBeGreaterThanOrEqual(committed);
        expect(store.integrityCheck()).toBe('ok');
      } finally {
        store.close();
      }
    }
  });
});
