#!/usr/bin/env node
// How fast a `swe-flow view` site opens from disk in Chromium, per page: navigation to `load`, and to the
// page's data drawn (body[data-ready]); on the graph page also the time a search takes to highlight, and
// the longest main-thread task while panning and zooming. Usage: node tools/bench/view-open.mjs <site> [task-id]
import { chromium } from 'playwright-core';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const site = path.resolve(process.argv[2] ?? 'site');
const browser = await chromium.launch({ executablePath: process.env.SWEFLOW_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const results = [];
async function measure(rel) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask', buffered: true });
    const mark = () => { if (document.body?.getAttribute('data-ready')) { performance.mark('ready'); return; } requestAnimationFrame(mark); };
    requestAnimationFrame(mark);
  });
  const url = pathToFileURL(path.join(site, rel.split('?')[0])).href + (rel.includes('?') ? `?${rel.split('?')[1]}` : '');
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.waitForFunction(() => performance.getEntriesByName('ready').length > 0);
  const t = await page.evaluate(() => ({
    load: performance.getEntriesByType('navigation')[0].loadEventEnd,
    ready: performance.getEntriesByName('ready')[0].startTime,
    longest: window.__longest,
  }));
  const row = { page: rel, loadMs: Math.round(t.load), readyMs: Math.round(t.ready), longestTaskMs: Math.round(t.longest) };
  if (rel === 'graph.html') {
    row.nodes = await page.evaluate(() => window.__sweflow.cy.nodes().length);
    const label = await page.evaluate(() => window.__sweflow.cy.nodes()[Math.floor(window.__sweflow.cy.nodes().length / 2)].data('label'));
    const t0 = Date.now();
    await page.fill('#graph-search', label);
    await page.waitForFunction(() => window.__sweflow.cy.nodes('.match').length > 0);
    row.searchMs = Date.now() - t0;
    await page.evaluate(() => { window.__longest = 0; });
    const box = await page.locator('#cy').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 10; i++) { await page.mouse.wheel(0, i % 2 ? 400 : -400); await page.waitForTimeout(50); }
    await page.mouse.down(); await page.mouse.move(box.x + 100, box.y + 100, { steps: 20 }); await page.mouse.up();
    row.longestTaskWhilePanningMs = Math.round(await page.evaluate(() => window.__longest));
  }
  results.push(row);
  await page.close();
}
for (const rel of ['index.html', 'graph.html', 'schedule.html', 'tasks.html', ...(process.argv[3] ? [`task.html?id=${process.argv[3]}`] : [])]) await measure(rel);
await browser.close();
console.log(JSON.stringify(results, null, 2));
