/**
 * spikegrad report: figures from a results store. Aggregates are checked against numbers computed by hand on a
 * store filled with known results; learning curves and rasters come from a real (tiny) sweep.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { writeReport } from '../src/report/report.js';
import { runSweep } from '../src/sweep/run-sweep.js';
import { expandTrials, parseSweepSpec } from '../src/sweep/spec.js';
import { ResultStore, type TrialOutcome } from '../src/sweep/store.js';
import { cli, tinyBase } from './sweep-fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const split = (accuracy: number, spikes = 1) => ({ samples: 10, loss: 1 - accuracy, crossEntropy: 1 - accuracy, regularization: 0, accuracy, spikesPerNeuron: [spikes], silentFraction: [0] });
function outcome(test: number, valid: number, spikes = 1): TrialOutcome {
  const results = { train: split(test), valid: split(valid), test: split(test, spikes), wallSeconds: 1, network: null, history: [], epochs: 1 };
  return { results: results as unknown as TrialOutcome['results'], weights: new Uint8Array(0), worker: 'test' };
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('spikegrad report', () => {
  const storeFile = path.join(tmp, 'known.sqlite');

  it('draws the shape figures from known accuracies: means, s.d. and the best cell by validation', async () => {
    const spec = parseSweepSpec({
      name: 'shape',
      figures: ['shape-scale', 'shape-best'],
      grid: [
        { 'network.surrogate.shape': ['superspike', 'esser'], 'network.surrogate.scale': [1, 10], lr: [0.01], seed: [1, 2] },
        { 'network.surrogate.scale': [0], lr: [0.01], seed: [1, 2] },
      ],
    });
    const trials = expandTrials(spec);
    const store = new ResultStore(storeFile);
    store.register(spec, trials);
    // accuracy = 0.5 + scale/100 + (esser ? 0.2 : 0) + seed/100; validation prefers scale 1 for esser only.
    for (const t of trials) {
      const s = t.config.network.surrogate;
      const acc = 0.5 + s.scale / 100 + (s.shape === 'esser' ? 0.2 : 0) + t.config.seed / 100;
      const valid = s.shape === 'esser' ? (s.scale === 1 ? 0.9 : 0.1) : acc;
      store.saveDone(t.id, outcome(acc, valid));
    }
    store.close();
    const summary = await writeReport(storeFile, { out: path.join(tmp, 'out') });
    expect(summary.figures.map((f) => f.name)).toEqual(['shape-scale', 'shape-best']);
    for (const f of summary.figures) for (const file of f.files) expect(existsSync(file)).toBe(true);

    const heat = parseCsv(readFileSync(path.join(tmp, 'out', 'shape-scale.csv'), 'utf8'));
    expect(heat).toHaveLength(5);
    const cell = heat.find((r) => r.surrogate === 'superspike' && r.scale === '10')!;
    expect(Number(cell.testAccuracyMean)).toBeCloseTo(0.615, 6); // (0.61 + 0.62) / 2
    expect(Number(cell.testAccuracySd)).toBeCloseTo(Math.sqrt(0.00005), 6);
    expect(heat.find((r) => r.surrogate === 'constant (scale 0)')).toBeDefined();

    const best = parseCsv(readFileSync(path.join(tmp, 'out', 'shape-best.csv'), 'utf8'));
    const esser = best.find((r) => r.surrogate === 'esser')!;
    expect(esser.scale).toBe('1'); // chosen by validation, although scale 10 tests better
    expect(Number(esser.testAccuracyMean)).toBeCloseTo(0.725, 6);
    expect(best.find((r) => r.surrogate === 'superspike')!.scale).toBe('10');

    const svg = readFileSync(path.join(tmp, 'out', 'shape-scale.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('superspike');
    expect(svg).toContain('constant (scale 0)');
    expect(svg).toContain(`>${Number(cell.testAccuracyMean).toFixed(2)}`); // a cell's label
    // The heat map says what it averages: seeds per cell, epochs, and the spread where there are several seeds.
    expect(svg).toMatch(/mean( ± s\.d\.)? over \d+(-\d+)? seeds? per cell; \d+(\/\d+)* epochs; \d+ trials/);
    const png = readFileSync(path.join(tmp, 'out', 'shape-scale.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(path.join(tmp, 'out', 'trials.csv'), 'utf8').trim().split('\n')).toHaveLength(11);
  });

  it('draws depth, recurrence and sparsity figures with one group per setting', async () => {
    const depthSpec = parseSweepSpec({
      name: 'depth',
      figures: ['reset-depth'],
      grid: { 'network.reset': ['detached', 'differentiable'], 'network.layers': [[{ size: 8 }], [{ size: 8 }, { size: 8 }]], seed: [1, 2] },
    });
    const sparseSpec = parseSweepSpec({
      name: 'sparse',
      figures: ['sparsity'],
      base: { regularizers: [{ kind: 'upper', power: 1, strength: 0, threshold: 0 }] },
      grid: { 'regularizers[0].strength': [0, 0.1, 1], seed: [1] },
    });
    const store = new ResultStore(storeFile);
    for (const spec of [depthSpec, sparseSpec]) {
      const trials = expandTrials(spec);
      store.register(spec, trials);
      for (const t of trials) {
        const strength = t.config.regularizers.find((g) => g.kind === 'upper')?.strength ?? 0;
        store.saveDone(t.id, outcome(0.9 - t.config.network.layers.length / 10 - strength / 10, 0.5, 4 / (1 + 10 * strength)));
      }
    }
    store.close();
    const summary = await writeReport(storeFile, { out: path.join(tmp, 'out2'), figures: ['reset-depth', 'sparsity'] });
    expect(summary.figures.map((f) => f.name)).toEqual(['reset-depth', 'sparsity']);
    const depth = parseCsv(readFileSync(path.join(tmp, 'out2', 'reset-depth.csv'), 'utf8'));
    expect(depth).toHaveLength(4);
    expect(depth.every((r) => r.seeds === '2')).toBe(true);
    expect(Number(depth.find((r) => r['hidden layers'] === '2')!.mean)).toBeCloseTo(0.7, 6);
    const sparse = parseCsv(readFileSync(path.join(tmp, 'out2', 'sparsity.csv'), 'utf8'));
    expect(sparse.map((r) => Number(r.upperStrength))).toEqual([0, 0.1, 1]);
    expect(Number(sparse[2].spikesPerNeuronMean)).toBeCloseTo(4 / 11, 5);
  });

  it('draws the asymptotic-scale sweep as recurrence panels per learning rate with a feedforward line, and sparsity per regularizer form', async () => {
    const asymptotic = parseSweepSpec({
      name: 'asym',
      figures: ['recurrent'],
      base: { network: { surrogate: { shape: 'superspike', scale: 10, normalized: false } } },
      grid: {
        'network.layers': [[{ size: 8 }], [{ size: 8, recurrent: true }], [{ size: 8, recurrent: true, recurrentGradient: 'detached' }]],
        'network.surrogate.scale': [1, 10],
        lr: [0.01, 0.05],
        seed: [1, 2],
      },
    });
    const sparse = parseSweepSpec({
      name: 'population',
      figures: ['sparsity'],
      base: { regularizers: [{ kind: 'population-upper', power: 1, strength: 0, threshold: 0 }] },
      grid: { 'regularizers[0].power': [1, 2], 'regularizers[0].strength': [0, 1], seed: [1] },
    });
    const file = path.join(tmp, 'asym.sqlite');
    const store = new ResultStore(file);
    for (const spec of [asymptotic, sparse]) {
      const trials = expandTrials(spec);
      store.register(spec, trials);
      for (const t of trials) {
        const recurrent = t.config.network.layers[0].recurrent ? (t.config.network.layers[0].recurrentGradient === 'detached' ? 0.1 : 0.2) : 0;
        const upper = t.config.regularizers.find((g) => g.kind === 'population-upper');
        const accuracy = 0.5 + recurrent + t.config.lr + (upper ? upper.power * upper.strength / 100 : 0);
        store.saveDone(t.id, outcome(accuracy, 0.5));
      }
    }
    store.close();
    await writeReport(file, { out: path.join(tmp, 'out-asym'), figures: ['recurrent', 'sparsity'] });
    const rows = parseCsv(readFileSync(path.join(tmp, 'out-asym', 'recurrent.csv'), 'utf8'));
    expect(rows).toHaveLength(3 * 2 * 2);
    expect(new Set(rows.map((r) => r.panel))).toEqual(new Set(['1 hidden layer / lr 0.01', '1 hidden layer / lr 0.05']));
    const cell = (panel: string, group: string) => rows.filter((r) => r.panel === panel && r['recurrent gradient'] === group && r['surrogate scale beta'] === '10')[0];
    expect(Number(cell('1 hidden layer / lr 0.05', 'none (feedforward)').mean)).toBeCloseTo(0.55, 6);
    expect(Number(cell('1 hidden layer / lr 0.01', 'propagate').mean)).toBeCloseTo(0.71, 6);
    expect(Number(cell('1 hidden layer / lr 0.01', 'detached').mean)).toBeCloseTo(0.61, 6);
    expect(rows.every((r) => r.seeds === '2')).toBe(true);
    const forms = parseCsv(readFileSync(path.join(tmp, 'out-asym', 'sparsity.csv'), 'utf8'));
    expect(forms.map((r) => `${r.regularizer}|${r.upperStrength}`)).toEqual(['population L1|0', 'population L1|1', 'population L2|0', 'population L2|1']);
    expect(Number(forms[3].testAccuracyMean)).toBeCloseTo(0.57, 6); // 0.5 + the default lr 0.05 + 2 x 1 / 100
  });

  it('draws a depth sweep over a scale x learning-rate grid at the best cell of each condition and depth', async () => {
    const spec = parseSweepSpec({
      name: 'depth-grid',
      figures: ['reset-depth'],
      grid: {
        'network.reset': ['detached', 'differentiable'],
        'network.layers': [[{ size: 8 }], [{ size: 8 }, { size: 8 }]],
        'network.surrogate.scale': [1, 10],
        lr: [0.01, 0.05],
        seed: [1, 2],
      },
    });
    const file = path.join(tmp, 'depth-grid.sqlite');
    const store = new ResultStore(file);
    const trials = expandTrials(spec);
    store.register(spec, trials);
    for (const t of trials) {
      // Validation picks beta 10 / lr 0.01 for the detached reset and beta 1 / lr 0.05 for the differentiable one;
      // test accuracy is lower in the chosen cells than elsewhere, so a choice by test would differ.
      const detached = t.config.network.reset === 'detached';
      const chosen = detached ? t.config.network.surrogate.scale === 10 && t.config.lr === 0.01 : t.config.network.surrogate.scale === 1 && t.config.lr === 0.05;
      const depthOf = t.config.network.layers.length;
      store.saveDone(t.id, outcome(chosen ? 0.5 + depthOf / 10 : 0.9, chosen ? 0.8 : 0.3));
    }
    store.close();
    await writeReport(file, { out: path.join(tmp, 'out-grid'), figures: ['reset-depth'] });
    const rows = parseCsv(readFileSync(path.join(tmp, 'out-grid', 'reset-depth.csv'), 'utf8'));
    expect(rows.map((r) => `${r.reset}|${r['hidden layers']}|${r.cell}|${r.seeds}|${r.mean}`).sort()).toEqual([
      'detached|1|beta 10 / lr 0.01|2|0.6',
      'detached|2|beta 10 / lr 0.01|2|0.7',
      'differentiable|1|beta 1 / lr 0.05|2|0.6',
      'differentiable|2|beta 1 / lr 0.05|2|0.7',
    ]);
    // Each point is labelled with its cell; the subtitle says so, on lines of its own (short ones: the figure takes
    // the estimated width of its longest title line).
    const svg = readFileSync(path.join(tmp, 'out-grid', 'reset-depth.svg'), 'utf8');
    expect(svg).toContain('>10 / 0.01</text>');
    expect(svg).toContain('>1 / 0.05</text>');
    expect(svg).toContain('<tspan>each point: the best scale and learning rate of its condition and depth</tspan>');
    expect(svg).toContain('>by validation (labelled beta / lr)</tspan>');
  });

  it('chooses the best cell of a two-stage sweep on the seeds every cell has', async () => {
    // Stage 1: seed 1 at every cell; stage 2: seeds 2 and 3 at the cell stage 1 chose (beta 10 / lr 0.01), which
    // validate worse than seed 1 did. Averaged over all its seeds the chosen cell (0.6) would lose to the
    // single-seed runner-up (0.7): compared on seed 1, it stays chosen and is drawn with its three seeds.
    const spec = parseSweepSpec({
      name: 'depth-stages',
      figures: ['reset-depth'],
      grid: [
        { 'network.surrogate.scale': [1, 10], lr: [0.01, 0.05], seed: [1] },
        { 'network.surrogate.scale': [10], lr: [0.01], seed: [2, 3] },
      ],
    });
    const file = path.join(tmp, 'depth-stages.sqlite');
    const store = new ResultStore(file);
    const trials = expandTrials(spec);
    store.register(spec, trials);
    for (const t of trials) {
      const chosen = t.config.network.surrogate.scale === 10 && t.config.lr === 0.01;
      const valid = chosen ? (t.config.seed === 1 ? 0.8 : 0.5) : t.config.lr === 0.05 && t.config.network.surrogate.scale === 1 ? 0.7 : 0.2;
      store.saveDone(t.id, outcome(0.4 + t.config.seed / 10, valid));
    }
    store.close();
    await writeReport(file, { out: path.join(tmp, 'out-stages'), figures: ['reset-depth'] });
    const rows = parseCsv(readFileSync(path.join(tmp, 'out-stages', 'reset-depth.csv'), 'utf8'));
    expect(rows.map((r) => `${r.cell}|${r.seeds}|${r.mean}`)).toEqual(['beta 10 / lr 0.01|3|0.6']); // (0.5 + 0.6 + 0.7) / 3
  });

  it('gives the depth figure a panel per initialization when a sweep varies it', async () => {
    const spec = parseSweepSpec({
      name: 'depth-init',
      figures: ['reset-depth'],
      grid: { 'network.init': [{ kind: 'uniform', gain: 1 }, { kind: 'fluctuation' }], 'network.layers': [[{ size: 8 }], [{ size: 8 }, { size: 8 }]] },
    });
    const file = path.join(tmp, 'init.sqlite');
    const store = new ResultStore(file);
    const trials = expandTrials(spec);
    store.register(spec, trials);
    for (const t of trials) store.saveDone(t.id, outcome(t.config.network.init.kind === 'fluctuation' ? 0.8 : 0.2, 0.5));
    store.close();
    await writeReport(file, { out: path.join(tmp, 'out-init'), figures: ['reset-depth'] });
    const rows = parseCsv(readFileSync(path.join(tmp, 'out-init', 'reset-depth.csv'), 'utf8'));
    expect(rows.map((r) => `${r.panel}|${r['hidden layers']}|${r.mean}`).sort()).toEqual([
      'normalized SuperSpike / fluctuation init|1|0.8',
      'normalized SuperSpike / fluctuation init|2|0.8',
      'normalized SuperSpike / uniform init|1|0.2',
      'normalized SuperSpike / uniform init|2|0.2',
    ]);
  });

  it("refuses to replace another store's trials.csv in --out, and replaces its own", async () => {
    const out = path.join(tmp, 'shared-out');
    mkdirSync(out, { recursive: true });
    const foreign = 'sweep,id,status\nsomeone-elses-sweep,abc,done\n';
    writeFileSync(path.join(out, 'trials.csv'), foreign);
    await expect(writeReport(storeFile, { out, figures: [] })).rejects.toThrow(/trials\.csv lists trials of sweeps this store does not have \(someone-elses-sweep\)/);
    expect(readFileSync(path.join(out, 'trials.csv'), 'utf8')).toBe(foreign);
    rmSync(path.join(out, 'trials.csv'));
    await writeReport(storeFile, { out, figures: [] });
    await writeReport(storeFile, { out, figures: [] }); // its own table: replaced without complaint
    expect(readFileSync(path.join(out, 'trials.csv'), 'utf8')).toMatch(/^sweep,id,status/);
  });

  it('rejects an unknown figure name with the list of known ones', async () => {
    await expect(writeReport(storeFile, { out: path.join(tmp, 'x'), figures: ['nope'] })).rejects.toThrow(/unknown figure "nope"; expected any of shape-scale, shape-best/);
  });

  it('draws learning curves and rasters before and after training from a real sweep', async () => {
    const file = path.join(tmp, 'real.sqlite');
    const summary = await runSweep(
      { name: 'curves', figures: ['learning-curves', 'learning-by-surrogate', 'rasters'], base: { ...tinyBase, epochs: 3 }, list: [{ seed: 1 }, { 'network.surrogate.shape': 'zero' }] } as never,
      { store: file, parallel: 2, threads: 1 },
    );
    expect(summary.counts.done).toBe(2);
    const r = spawnSync(process.execPath, [cli, 'report', file, '--out', path.join(tmp, 'out3')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/learning-curves: .*learning-curves\.svg/);
    const curves = parseCsv(readFileSync(path.join(tmp, 'out3', 'learning-curves.csv'), 'utf8'));
    expect(curves).toHaveLength(6); // 2 trials x 3 epochs
    const raster = parseCsv(readFileSync(path.join(tmp, 'out3', 'rasters.csv'), 'utf8'));
    expect(new Set(raster.map((x) => x.phase))).toEqual(new Set(['input', 'before training', 'after training']));
    // Hidden neurons of the 16-wide layer; input units of randman's default 20.
    expect(raster.every((x) => Number(x.step) < 40 && Number(x.neuron) < (x.phase === 'input' ? 20 : 16))).toBe(true);
    // Both trials start from the same seed and network (they differ in the surrogate only): one 'before' panel.
    expect(new Set(raster.filter((x) => x.phase === 'before training').map((x) => x.trial))).toEqual(new Set(['before training (seed 1) · layer 0']));
    expect(new Set(raster.filter((x) => x.phase === 'after training').map((x) => x.trial)).size).toBe(2);
    const svg = readFileSync(path.join(tmp, 'out3', 'rasters.svg'), 'utf8');
    expect(svg).toContain('after training');
    expect(svg).toContain('input: randman test sample 0');
    expect(readFileSync(path.join(tmp, 'out3', 'learning-curves.svg'), 'utf8')).toContain('training accuracy');
    const bySurrogate = parseCsv(readFileSync(path.join(tmp, 'out3', 'learning-by-surrogate.csv'), 'utf8'));
    expect(bySurrogate).toHaveLength(6);
    expect(new Set(bySurrogate.map((x) => x.condition))).toEqual(new Set(['superspike', 'zero (true gradient)']));
    const bySurrogateSvg = readFileSync(path.join(tmp, 'out3', 'learning-by-surrogate.svg'), 'utf8');
    expect(bySurrogateSvg).toContain('runs: superspike 1, zero (true gradient) 1');
    // One chance rule per panel (training and validation), not one per row of the chart's data (6 here).
    expect(bySurrogateSvg.match(/stroke-dasharray="2,2"/g)).toHaveLength(2);
    // The trial table has the per-layer activity of every trial (one hidden layer here), equal to the mean column.
    const trials = parseCsv(readFileSync(path.join(tmp, 'out3', 'trials.csv'), 'utf8'));
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      expect(Number(t.spikesPerNeuronByLayer)).toBeCloseTo(Number(t.spikesPerNeuron), 2);
      expect(Number(t.silentFractionByLayer)).toBeGreaterThanOrEqual(0);
    }
  });
});
