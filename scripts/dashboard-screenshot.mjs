#!/usr/bin/env node
// The README's dashboard screenshot: serves the given stores and run directories, opens the page in Debian's
// headless Chromium (puppeteer-core, a dev dependency), selects the first sweep and writes a PNG.
//   node scripts/dashboard-screenshot.mjs OUT.png PATH... [--select NAME]
import { writeFileSync } from 'node:fs';

import puppeteer from 'puppeteer-core';

import { startDashboard } from '../dist/dashboard/server.js';

const args = process.argv.slice(2);
const at = args.indexOf('--select');
const select = at >= 0 ? args.splice(at, 2)[1] : undefined;
const [out, ...roots] = args;
if (!out || roots.length === 0) {
  console.error('usage: node scripts/dashboard-screenshot.mjs OUT.png PATH... [--select SWEEP]');
  process.exit(2);
}
const dash = await startDashboard({ roots });
const browser = await puppeteer.launch({ executablePath: process.env.SPIKEGRAD_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 1000 });
  await page.goto(dash.url);
  await page.waitForSelector('[data-testid="sweep-link"]');
  const links = await page.$$('[data-testid="sweep-link"]');
  let target = links[0];
  if (select) for (const l of links) if ((await l.evaluate((e) => e.textContent)).startsWith(select)) target = l;
  await target.click();
  await page.waitForSelector('[data-testid="trials"] tbody tr');
  await page.waitForFunction(() => [...document.querySelectorAll('figure img')].every((i) => i.complete), { timeout: 60_000 });
  writeFileSync(out, await page.screenshot({ fullPage: false }));
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await dash.close();
}
