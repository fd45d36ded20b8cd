/**
 * Sweeps through a BullMQ queue on a real redis-server: every trial done once, a kill -9'd worker's trial taken
 * again by another worker, SIGTERM hands a running trial straight back, and a coordinator killed mid-sweep
 * finishes the rest when started again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { redisConnection, trialJobId } from '../src/sweep/queue.js';
import { ResultStore } from '../src/sweep/store.js';
import { redisAvailable, type RedisServer, startRedis } from './redis-server.js';
import { cli, tinyBase, writeSpec } from './sweep-fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-queue-'));
const hasRedis = redisAvailable();
if (!hasRedis) console.warn('sweep-queue tests skipped: redis-server is not installed (apt-get install redis-server)');
let redis: RedisServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (hasRedis) await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A child process whose stderr is kept, with a wait for a line matching a pattern. */
function start(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  let out = '';
  const waiters: { re: RegExp; count: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if ((log.match(new RegExp(w.re.source, 'gm')) ?? []).length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stderr!.on('data', (c: Buffer) => {
    log += c.toString();
    check();
  });
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    log: () => log,
    out: () => out,
    exited,
    waitFor: (re: RegExp, count = 1, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${log}`)), timeoutMs);
        waiters.push({ re, count, resolve: () => (clearTimeout(timer), resolve()) });
        check();
      }),
  };
}

// Short locks so a dead worker's trial is taken again within about two seconds.
const worker = (queue: string, name: string) =>
  start(['worker', '--queue', redis.url, '--queue-name', queue, '--threads', '1', '--lock-ms', '2000', '--stalled-ms', '1000', '--dir', path.join(tmp, name)]);
const coordinator = (spec: string, queue: string) => start(['sweep', spec, '--queue', redis.url, '--queue-name', queue, '--progress', 'lines']);

/** Runs `fn` with a BullMQ queue of that name on the test's Redis, closed afterwards. */
async function withQueue(name: string, fn: (queue: Queue, connection: Redis) => Promise<void>): Promise<void> {
  const { Queue: QueueClass } = await import('bullmq');
  const connection = await redisConnection(redis.url);
  const queue = new QueueClass(name, { connection });
  try {
    await fn(queue, connection);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Polls `holds` every 100 ms; fails after 30 s saying what it waited for. */
async function until(holds: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rows(name: string) {
  const store = new ResultStore(path.join(tmp, `${name}.sqlite`), { readonly: true });
  try {
    return store.trials();
  } finally {
    store.close();
  }
}

describe.skipIf(!hasRedis)('spikegrad sweep --queue with spikegrad worker', () => {
  it('finishes every trial once when a worker is killed mid-trial', async () => {
    const spec = writeSpec(tmp, 'q-kill', { base: { ...tinyBase, epochs: 12 }, grid: { seed: [1, 2, 3, 4] } });
    const coord = coordinator(spec, 'q-kill');
    const a = worker('q-kill', 'wa');
    await a.waitFor(/trial \w+ \(q-kill\) started/);
    const killedTrial = /trial (\w+) \(q-kill\) started/.exec(a.log())![1];
    a.child.kill('SIGKILL');
    await a.exited;
    const b = worker('q-kill', 'wb');
    const result = await coord.exited;
    expect(result.code, coord.log()).toBe(0);
    expect(coord.out()).toMatch(/4 done, 0 failed, 0 not finished/);
    expect((coord.log().match(/^done /gm) ?? []).length).toBe(4);
    const stored = rows('q-kill');
    expect(stored).toHaveLength(4);
    expect(stored.every((r) => r.status === 'done' && r.history.length === 12)).toBe(true);
    // The killed worker's trial ran again on the other worker.
    expect(b.log()).toMatch(new RegExp(`trial ${killedTrial} \\(q-kill\\) started`));
    const retried = stored.find((r) => r.id === killedTrial)!;
    expect(retried.attempts).toBeGreaterThanOrEqual(2);
    expect(retried.worker).toBe(`${os.hostname()}:${b.child.pid}`);

    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect(b.log()).toMatch(/worker stopped/);
  }, 180_000);

  it('hands a running trial back to the queue on SIGTERM and another worker finishes it', async () => {
    const spec = writeSpec(tmp, 'q-term', { base: { ...tinyBase, epochs: 60 }, list: [{ seed: 7 }] });
    const coord = coordinator(spec, 'q-term');
    const a = worker('q-term', 'wa2');
    await a.waitFor(/started/);
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    const exit = await a.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(a.log()).toMatch(/handed back to the queue/);
    const b = worker('q-term', 'wb2');
    expect((await coord.exited).code, coord.log()).toBe(0);
    const stored = rows('q-term');
    expect(stored).toHaveLength(1);
    expect(stored[0].status).toBe('done');
    expect(stored[0].worker).toBe(`${os.hostname()}:${b.child.pid}`);
    b.child.kill('SIGTERM');
    await b.exited;
  }, 180_000);

  it('finishes the rest when the coordinator is killed and started again', async () => {
    const spec = writeSpec(tmp, 'q-coord', { base: { ...tinyBase, epochs: 8 }, grid: { seed: [1, 2, 3, 4, 5] } });
    const first = coordinator(spec, 'q-coord');
    const w = worker('q-coord', 'wc');
    await first.waitFor(/^done /);
    first.child.kill('SIGKILL');
    await first.exited;
    // The worker keeps going; results wait in Redis until a coordinator stores them.
    await w.waitFor(/done: test accuracy/, 3);
    const second = coordinator(spec, 'q-coord');
    expect((await second.exited).code, second.log()).toBe(0);
    expect(second.log()).toMatch(/5 trials, [1-4] already done/);
    const stored = rows('q-coord');
    expect(stored.filter((r) => r.status === 'done')).toHaveLength(5);
    w.child.kill('SIGTERM');
    await w.exited;
  }, 180_000);

  it('gives two stores running the same sweep on one queue their own jobs', async () => {
    // One job per trial and store: with job id = trial id, the first coordinator to store a result removed the
    // shared job and the other waited for ever.
    const spec = writeSpec(tmp, 'q-two', { list: [{ seed: 1 }, { seed: 2 }] });
    const other = path.join(tmp, 'q-two-other.sqlite');
    const a = coordinator(spec, 'q-two');
    const b = start(['sweep', spec, '--store', other, '--queue', redis.url, '--queue-name', 'q-two', '--progress', 'lines']);
    const w = worker('q-two', 'wt');
    expect((await a.exited).code, a.log()).toBe(0);
    expect((await b.exited).code, b.log()).toBe(0);
    const ids: string[] = [];
    for (const file of [path.join(tmp, 'q-two.sqlite'), other]) {
      const store = new ResultStore(file, { readonly: true });
      try {
        expect(store.trials().map((r) => r.status)).toEqual(['done', 'done']);
        ids.push(store.id);
      } finally {
        store.close();
      }
    }
    expect(ids[0]).not.toBe(ids[1]);
    expect((w.log().match(/done: test accuracy/g) ?? []).length).toBe(4);
    w.child.kill('SIGTERM');
    await w.exited;
  }, 180_000);

  it('queues a trial again when its job vanished from Redis', async () => {
    const spec = writeSpec(tmp, 'q-gone', { list: [{ seed: 3 }] });
    const c = coordinator(spec, 'q-gone');
    await withQueue('q-gone', async (queue) => {
      await until(async () => (await queue.getWaitingCount()) > 0, `the trial to be queued:\n${c.log()}`);
      await queue.obliterate({ force: true });
    });
    const w = worker('q-gone', 'wg');
    expect((await c.exited).code, c.log()).toBe(0);
    expect(rows('q-gone').map((r) => r.status)).toEqual(['done']);
    w.child.kill('SIGTERM');
    await w.exited;
  }, 180_000);

  it('removes a leftover job of a trial the store already holds', async () => {
    const spec = writeSpec(tmp, 'q-left', { list: [{ seed: 4 }] });
    const first = coordinator(spec, 'q-left');
    const w = worker('q-left', 'wl');
    expect((await first.exited).code, first.log()).toBe(0);
    w.child.kill('SIGTERM');
    await w.exited;
    const store = new ResultStore(path.join(tmp, 'q-left.sqlite'), { readonly: true });
    const jobId = trialJobId(store.id, store.trials()[0].id);
    store.close();
    const { Job, Worker } = await import('bullmq');
    await withQueue('q-left', async (queue, connection) => {
      // What a coordinator killed between storing a result and removing its job leaves behind: a completed job.
      await queue.add('trial', {}, { jobId, removeOnComplete: false });
      const completer = new Worker('q-left', async () => 'ok', { connection });
      await until(async () => (await (await Job.fromId(queue, jobId))?.getState()) === 'completed', 'the leftover job to complete');
      await completer.close();
      const again = coordinator(spec, 'q-left');
      expect((await again.exited).code, again.log()).toBe(0);
      expect(await Job.fromId(queue, jobId)).toBeUndefined();
    });
  }, 180_000);

  it('says when Redis cannot be reached instead of waiting for ever', async () => {
    const spec = writeSpec(tmp, 'q-down', { list: [{ seed: 1 }] });
    const c = start(['sweep', spec, '--queue', 'redis://127.0.0.1:1', '--progress', 'none']);
    const r = await c.exited;
    expect(r.code).toBe(1);
    expect(c.log()).toMatch(/--queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED/);
  }, 30_000);

  it('rejects a malformed queue URL by name', async () => {
    const spec = writeSpec(tmp, 'q-bad', { list: [{ seed: 1 }] });
    const c = start(['sweep', spec, '--queue', 'http://nope', '--progress', 'none']);
    const r = await c.exited;
    expect(r.code).toBe(1);
    expect(c.log()).toMatch(/--queue: expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/nope"/);
  });
});
