/**
 * spikegrad train / eval as a user runs them, including a run killed mid-way (SIGKILL) and resumed, which must end
 * bit-identical to an uninterrupted run.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { readCheckpoint } from '../src/io/checkpoint.js';
import { bitsEqual } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-cli-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, SPIKEGRAD_CACHE: path.join(tmp, 'cache') };
const spikegrad = (...args: string[]) => run(process.execPath, [cli, ...args], { env, maxBuffer: 1 << 24 });

const small = ['--classes', '4', '--units', '12', '--samples-per-class-data', '150', '--layers', '32', '--batch-size', '40', '--lr', '0.03'];

describe('spikegrad train', () => {
  it('trains from flags, prints test accuracy and writes results.json', async () => {
    const out = path.join(tmp, 'flags');
    const { stdout, stderr } = await spikegrad('train', ...small, '--epochs', '4', '--out', out, '--progress', 'lines', '--surrogate', 'sigmoid', '--scale', '5', '--recurrent');
    expect(stdout).toMatch(/randman: test accuracy 0\.\d{4}/);
    expect(stderr).toMatch(/epoch 4\/4 +loss/);
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(r.config.network.surrogate).toEqual({ shape: 'sigmoid', scale: 5, normalized: true });
    expect(r.config.network.layers).toEqual([{ size: 32, recurrent: true, recurrentGradient: 'propagate' }]);
    expect(r.test).toMatchObject({ accuracy: expect.any(Number), loss: expect.any(Number), spikesPerNeuron: [expect.any(Number)] });
  });

  it('names the epoch count in progress lines when it comes from the defaults', async () => {
    const { stderr } = await spikegrad('train', '--classes', '2', '--units', '5', '--samples-per-class-data', '50', '--layers', '8', '--out', path.join(tmp, 'default-epochs'), '--progress', 'lines');
    expect(stderr).toMatch(/epoch +1\/200 +loss/);
    expect(stderr).toMatch(/epoch 200\/200 +loss/);
    expect(stderr).not.toMatch(/NaN/);
  });

  it('prints JSON lines with --json: start, one per epoch with a run ETA, the result', async () => {
    const { stdout } = await spikegrad('train', ...small, '--epochs', '3', '--out', path.join(tmp, 'json'), '--json');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['start', 'epoch', 'epoch', 'epoch', 'done']);
    expect(lines[0].config.epochs).toBe(3);
    expect(lines[1]).toMatchObject({ epoch: 1, epochs: 3, etaSeconds: expect.any(Number), train: { accuracy: expect.any(Number) } });
    expect(lines[3].etaSeconds).toBe(0);
    expect(lines[4]).toMatchObject({ type: 'done', epochs: 3, test: { accuracy: expect.any(Number) } });
  });

  it('reads a YAML config and lets flags override it', async () => {
    const file = path.join(tmp, 'run.yaml');
    writeFileSync(
      file,
      [
        'dataset: { name: randman, classes: 3, units: 10, samplesPerClass: 100 }',
        'network:',
        '  layers: [{ size: 16 }, { size: 16, recurrent: true }]',
        '  readout: sum',
        'optimizer: { kind: smorms3 }',
        'regularizers:',
        '  - { kind: upper, power: 1, strength: 0.1, threshold: 5 }',
        'epochs: 3',
      ].join('\n'),
    );
    const out = path.join(tmp, 'yaml');
    await spikegrad('train', '--config', file, '--epochs', '2', '--lr', '0.001', '--out', out, '--progress', 'none');
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(r.epochs).toBe(2);
    expect(r.config.lr).toBe(0.001);
    expect(r.config.optimizer.kind).toBe('smorms3');
    expect(r.config.regularizers).toEqual([{ kind: 'upper', power: 1, strength: 0.1, threshold: 5 }]);
    expect(r.network.layers.length).toBe(2);
  });

  it('refuses bad input before any work, with the field named', async () => {
    const fail = (args: string[]) => spikegrad('train', ...args).then(() => expect.unreachable(), (e) => e as { stderr: string; code: number });
    expect((await fail(['--lr', '-1', '--out', path.join(tmp, 'bad')])).stderr).toMatch(/lr: Too small: expected number to be >0/);
    expect((await fail(['--optimizer', 'rmsprop'])).stderr).toMatch(/optimizer\.kind: Invalid discriminator value\. Expected 'adam' \| 'adamax' \| 'sgd' \| 'smorms3' \(got "rmsprop"\)/);
    expect((await fail(['--surrogate', 'relu'])).stderr).toMatch(/network\.surrogate\.shape: Invalid option/);
    expect((await fail(['--regularizer', 'lower:100'])).stderr).toMatch(/expected kind:strength:threshold/);
    expect((await fail(['--epochs', '0'])).stderr).toMatch(/expected a positive integer/);
    expect((await fail(['--frobnicate'])).stderr).toMatch(/unknown option '--frobnicate'/);
    const blocker = path.join(tmp, 'blocker');
    writeFileSync(blocker, 'x');
    const e = await fail(['--out', path.join(blocker, 'run')]);
    expect(e.stderr).toMatch(/out: cannot write to/);
    expect(e.code).toBe(2);
    const cfg = path.join(tmp, 'mismatch.json');
    writeFileSync(cfg, JSON.stringify({ network: { inputs: 700 } }));
    expect((await fail(['--config', cfg, '--out', path.join(tmp, 'mm')])).stderr).toMatch(/network\.inputs: 700 does not match the 20 inputs of randman/);
    expect(existsSync(path.join(tmp, 'mm', 'checkpoint.sgck'))).toBe(false);
    expect((await fail(['--config', path.join(tmp, 'nope.yaml')])).stderr).toMatch(/nope\.yaml: cannot read the config file \(ENOENT\)/);
  });

  it('resumes a killed run and ends bit-identical to an uninterrupted one', async () => {
    const args = [...small, '--epochs', '14', '--progress', 'lines', '--threads', '1'];
    const reference = path.join(tmp, 'reference');
    await spikegrad('train', ...args, '--out', reference);

    const killed = path.join(tmp, 'killed');
    const child = spawn(process.execPath, [cli, 'train', ...args, '--out', killed], { env, stdio: 'ignore' });
    const metrics = path.join(killed, 'metrics.jsonl');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const lines = existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').filter(Boolean).length : 0;
        if (lines >= 4) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
      setTimeout(() => reject(new Error('the child never reached epoch 4')), 60_000);
    });
    await new Promise((r) => child.on('close', r));
    const interrupted = readCheckpoint(path.join(killed, 'checkpoint.sgck'));
    expect(interrupted.finished).toBe(false);
    expect(interrupted.state.epoch).toBeGreaterThanOrEqual(4);
    expect(interrupted.state.epoch).toBeLessThan(14);

    const { stderr } = await spikegrad('train', '--resume', '--out', killed, '--progress', 'lines', '--threads', '2');
    expect(stderr).toMatch(new RegExp(`resuming from .*checkpoint\\.sgck after epoch ${interrupted.state.epoch}`));
    const a = readCheckpoint(path.join(reference, 'checkpoint.sgck'));
    const b = readCheckpoint(path.join(killed, 'checkpoint.sgck'));
    expect(b.finished).toBe(true);
    for (const name of Object.keys(a.parameters)) expect(bitsEqual(a.parameters[name], b.parameters[name]), name).toBe(true);
    const strip = (h: { seconds: number; samplesPerSecond: number }[]) => h.map(({ seconds: _s, samplesPerSecond: _p, ...rest }) => rest);
    expect(strip(b.state.history)).toEqual(strip(a.state.history));
    const ra = JSON.parse(readFileSync(path.join(reference, 'results.json'), 'utf8'));
    const rb = JSON.parse(readFileSync(path.join(killed, 'results.json'), 'utf8'));
    expect(rb.test).toEqual(ra.test);
    expect(readFileSync(path.join(killed, 'metrics.jsonl'), 'utf8').trim().split('\n').length).toBe(14);

    // A changed option cannot silently continue another run's checkpoint, and a fresh run never replaces it.
    await expect(spikegrad('train', '--resume', '--out', killed, '--lr', '0.5')).rejects.toMatchObject({
      stderr: expect.stringMatching(/was written by a run with another config/),
    });
    await expect(spikegrad('train', ...small, '--out', killed)).rejects.toMatchObject({
      stderr: expect.stringMatching(/already holds a run \(checkpoint\.sgck\); continue it with --resume, replace it with --force/),
    });
    await expect(spikegrad('train', '--resume')).rejects.toMatchObject({ stderr: expect.stringMatching(/--resume needs --out/) });
  });
});

describe('spikegrad eval', () => {
  it("evaluates a checkpoint into eval.json and never touches the run's results.json", async () => {
    const out = path.join(tmp, 'for-eval');
    await spikegrad('train', ...small, '--epochs', '3', '--out', out, '--progress', 'none');
    const record = readFileSync(path.join(out, 'results.json'), 'utf8');
    const trained = JSON.parse(record);
    // The README's own example: the checkpoint inside the run directory, no --out.
    const { stdout } = await spikegrad('eval', '--checkpoint', path.join(out, 'checkpoint.sgck'));
    expect(stdout).toMatch(/test +accuracy 0\.\d{4}/);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(record);
    const r = JSON.parse(readFileSync(path.join(out, 'eval.json'), 'utf8'));
    expect(r.test).toEqual(trained.test);
    expect(r.valid).toEqual(trained.valid);
    // A directory gets eval.json; --json prints instead of writing; results.json is refused as a target.
    const evalOut = path.join(tmp, 'eval-out');
    mkdirSync(evalOut);
    await spikegrad('eval', '--checkpoint', path.join(out, 'checkpoint.sgck'), '--out', evalOut, '--split', 'test');
    expect(JSON.parse(readFileSync(path.join(evalOut, 'eval.json'), 'utf8')).test).toEqual(trained.test);
    const printed = await spikegrad('eval', '--checkpoint', path.join(out, 'checkpoint.sgck'), '--json', '--split', 'valid');
    expect(JSON.parse(printed.stdout).valid).toEqual(trained.valid);
    await expect(spikegrad('eval', '--checkpoint', path.join(out, 'checkpoint.sgck'), '--out', path.join(out, 'results.json'))).rejects.toMatchObject({
      stderr: expect.stringMatching(/results\.json is a training run's record and is never overwritten by an evaluation/),
    });
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(record);
  });

  it('explains a damaged or foreign checkpoint', async () => {
    const bad = path.join(tmp, 'bad.sgck');
    writeFileSync(bad, 'hello');
    await expect(spikegrad('eval', '--checkpoint', bad)).rejects.toMatchObject({ stderr: expect.stringMatching(/bad\.sgck: not a spikegrad checkpoint/) });
  });
});

describe('spikegrad report RUN_DIR', () => {
  it("draws a single run's learning curves and rasters from its directory", async () => {
    const out = path.join(tmp, 'for-report');
    await spikegrad('train', ...small, '--layers', '16,8', '--epochs', '3', '--out', out, '--progress', 'none');
    const { stdout } = await spikegrad('report', out);
    for (const name of ['learning-curves', 'rasters']) {
      for (const ext of ['svg', 'png', 'csv']) expect(stdout).toContain(path.join(out, 'report', `${name}.${ext}`));
    }
    const curves = readFileSync(path.join(out, 'report', 'learning-curves.csv'), 'utf8');
    expect(curves.split('\n')[0]).toBe('epoch,panel,series,value');
    expect(curves).toMatch(/3,spikes,layer 1,/);
    expect(readFileSync(path.join(out, 'report', 'rasters.svg'), 'utf8')).toMatch(/<svg/);
    const empty = path.join(tmp, 'not-a-run');
    mkdirSync(empty);
    await expect(spikegrad('report', empty)).rejects.toMatchObject({ stderr: expect.stringMatching(/not-a-run: a directory without checkpoint\.sgck is neither a run directory nor a results store/) });
  });
});

describe('run directories', () => {
  it('puts a run without --out into a new runs/<dataset>-<time> directory', async () => {
    const cwd = mkdtempSync(path.join(tmp, 'cwd-'));
    const go = () => run(process.execPath, [cli, 'train', ...small, '--epochs', '1', '--progress', 'none'], { env, cwd });
    const first = await go();
    const second = await go();
    const dirOf = (s: string) => /wrote (runs\/randman-\d{8}-\d{6}(?:-\d+)?)\/results\.json/.exec(s)?.[1];
    expect(dirOf(first.stdout)).toBeDefined();
    expect(dirOf(second.stdout)).toBeDefined();
    expect(dirOf(second.stdout)).not.toBe(dirOf(first.stdout));
    expect(existsSync(path.join(cwd, dirOf(first.stdout)!, 'checkpoint.sgck'))).toBe(true);
  });
});
