/**
 * The dashboard in a real browser (Debian's headless Chromium driven by puppeteer-core): the trial table, a heat
 * map and a learning curve render, a trial that finishes while the page is open appears without a reload, and an
 * error string full of HTML is shown as text. Skipped where /usr/bin/chromium is missing (.ci/run installs it).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Dashboard, startDashboard } from '../src/dashboard/server.js';
import { type DashboardFixture, HTML_ERROR, makeDashboardFixture } from './dashboard-fixture.js';

// Callbacks passed to page.evaluate run in the browser; the project's type check has no DOM library, so the few
// browser globals they use are declared here (module scope only).
declare const document: any;
declare const window: any;
declare const Image: new () => any;

const CHROMIUM = process.env.SPIKEGRAD_CHROMIUM ?? '/usr/bin/chromium';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-dashboard-browser-'));
let fx: DashboardFixture;
let dash: Dashboard;
let browser: Browser;
let page: Page;

/** Fraction of pixels of a PNG (base64) that are not near-white, measured in a blank page's canvas. */
async function inkFraction(png: string): Promise<number> {
  const blank = await browser.newPage();
  try {
    return await blank.evaluate(async (data) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) ink++;
      return ink / (px.length / 4);
    }, png);
  } finally {
    await blank.close();
  }
}

/**
 * Clicks the first element matching `selector` whose text contains `text`, inside the page in one step: the
 * sources list is re-rendered whenever a source changes, so an element handle taken first may be detached by the
 * time a separate click reaches it.
 */
const clickText = (selector: string, text: string) =>
  page.waitForFunction(
    (s, t) => {
      const target = [...document.querySelectorAll(s)].find((e: any) => e.textContent.includes(t));
      if (!target) return false;
      target.click();
      return true;
    },
    { timeout: 30_000 },
    selector,
    text,
  );

const imageLoaded = (selector: string) => page.waitForFunction((s) => {
  const img = document.querySelector(s);
  return img !== null && img.complete && img.naturalWidth > 100;
}, { timeout: 30_000 }, selector);

describe.skipIf(!existsSync(CHROMIUM))('dashboard in Chromium', () => {
  beforeAll(async () => {
    fx = await makeDashboardFixture(path.join(tmp, 'fx'));
    dash = await startDashboard({ roots: [fx.dir], pollMs: 200, cacheDir: path.join(fx.dir, 'cache') });
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the sweep: trial table with every status, a heat map, and the HTML error as text', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(dash.url);
    await page.waitForSelector('[data-testid="sweep-link"]');
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live');
    await clickText('[data-testid="sweep-link"]', fx.sweep);
    await page.waitForSelector('[data-testid="trials"] tbody tr');
    const statuses = await page.$$eval('[data-testid="trials"] tbody tr td:first-child [data-status]', (els: any[]) => els.map((e) => e.getAttribute('data-status')).sort());
    expect(statuses).toEqual(['done', 'done', 'failed', 'running']);
    expect(await page.$eval('[data-testid="counts"]', (e) => e.textContent)).toMatch(/2 done, 1 running, 0 queued, 1 failed of 4; about .* left/);

    await imageLoaded('[data-testid="figure-sweep"]');
    const heat = await page.$('[data-testid="figure-sweep"]');
    expect(await inkFraction((await heat!.screenshot({ encoding: 'base64' })) as string)).toBeGreaterThan(0.02);

    // The error: the exact string as text, no element made from it, nothing run.
    const cell = await page.$eval(`[data-trial="${fx.failed}"] [data-testid="trial-error"]`, (e) => ({ text: e.textContent, children: e.children.length }));
    expect(cell).toEqual({ text: HTML_ERROR, children: 0 });
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await page.$$eval('[data-testid="trials"] img, [data-testid="trials"] script, [data-testid="trials"] b', (els) => els.length)).toBe(0);

    const shot = (await page.screenshot({ encoding: 'base64', fullPage: true })) as string;
    expect(await inkFraction(shot)).toBeGreaterThan(0.01);
    if (process.env.SPIKEGRAD_DASHBOARD_SHOT) writeFileSync(process.env.SPIKEGRAD_DASHBOARD_SHOT, Buffer.from(shot, "base64"));
    expect(errors).toEqual([]);
  }, 120_000);

  it('filters the table by a swept field', async () => {
    await page.select('select[data-field="network.surrogate.shape"]', JSON.stringify('sigmoid'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials"] tbody tr').length === 2);
    await page.select('select[data-field="network.surrogate.shape"]', '');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials"] tbody tr').length === 4);
  }, 60_000);

  it('shows a trial that finishes while the page is open, without a reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await fx.finishRunning();
    await page.waitForFunction((id) => document.querySelector(`[data-trial="${id}"] [data-status]`)?.getAttribute('data-status') === 'done', { timeout: 20_000 }, fx.running);
    expect(await page.$eval('[data-testid="counts"]', (e) => e.textContent)).toMatch(/^3 done, 0 running/);
    expect(navigations).toEqual([]);
  }, 120_000);

  it("draws a run's learning curves and its epochs", async () => {
    await clickText('[data-testid="run-link"]', 'tiny');
    await imageLoaded('[data-testid="figure-curves"]');
    const curves = await page.$('[data-testid="figure-curves"]');
    expect(await inkFraction((await curves!.screenshot({ encoding: 'base64' })) as string)).toBeGreaterThan(0.02);
    expect(await page.$$eval('[data-testid="epochs"] tbody tr', (rows) => rows.length)).toBe(4);
    expect(await page.$eval('[data-testid="run-meta"]', (e) => e.textContent)).toMatch(/^4 of 4 epochs; .*test accuracy/);
  }, 120_000);
});
