/// <reference lib="dom" />
/**
 * The report in a real browser: a real synth of a fixture, real gold and empty evaluations, the site
 * built by the real CLI, opened from disk (and over loopback) in Debian's Chromium via playwright-core.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildView, serveSite } from '../src/index.js';
import { chromiumPath } from './browser.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'packages/cli/bin/swe-flow.js');
const shots = path.join(root, 'reports/screenshots');

interface Row { instance_id: string; patch: string; FAIL_TO_PASS: string[]; PASS_TO_PASS: string[]; nodes_to_develop: string[] }

let tmp: string;
let out: string;
let site: string;
let browser: Browser;
let rows: Row[];
const consoleErrors: string[] = [];

async function swe(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args], { cwd: tmp, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  return stdout;
}

async function open(rel: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${rel}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${rel}: ${String(e)}`));
  page.on('request', (r) => { if (!r.url().startsWith('file://') && !r.url().startsWith('http://127.0.0.1')) consoleErrors.push(`${rel}: request to ${r.url()}`); });
  await page.goto(pathToFileURL(path.join(site, rel.split('?')[0]!)).href + (rel.includes('?') ? `?${rel.split('?')[1]}` : ''));
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: name.startsWith('task') });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-view-test-'));
  const repo = path.join(tmp, 'repo');
  await cp(path.join(root, 'fixtures/node-test-esm'), repo, { recursive: true, filter: (src) => !src.includes('node_modules') });
  await run('git', ['init', '-q'], { cwd: repo });
  await run('git', ['add', '-A'], { cwd: repo });
  await run('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'fixture'], { cwd: repo });
  out = path.join(tmp, 'out');
  await swe('synth', repo, '--out', out, '--quiet');
  await swe('eval', '--dataset', out, '--predictions', 'gold', '--runtime', 'local', '--quiet');
  await swe('eval', '--dataset', out, '--predictions', 'empty', '--runtime', 'local', '--quiet');
  site = path.join(tmp, 'site');
  await swe('view', out, '--out', site);
  rows = (await readFile(path.join(out, 'dataset.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Row);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('swe-flow view of a synth run, in Chromium', () => {
  it('shows the run counts and the time of every stage', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { counts: Record<string, number>; stages: { stage: string }[] };
    const page = await open('index.html');
    expect(await page.textContent(`.card[data-count="verified"] .num`)).toBe(String(summary.counts.verified));
    expect(await page.textContent(`.card[data-count="rejected"] .num`)).toBe(String(summary.counts.rejected));
    const labels = await page.$$eval('.bar-label', (els) => els.map((e) => e.textContent));
    for (const s of summary.stages) expect(labels.some((l) => l?.startsWith(s.stage))).toBe(true);
    expect(await page.textContent('table.eval-runs')).toContain('100.0%');
    await shot(page, 'overview');
    await page.close();
  });

  it('draws every function of the RDG; search highlights it; a click shows its tests and step', async () => {
    const rdg = JSON.parse(await readFile(path.join(out, 'rdg.json'), 'utf8')) as { merged: { nodes: { id: string; role: string }[] }; tests: { testId: string; coreNodes: string[] }[] };
    const core = rdg.merged.nodes.filter((n) => n.role === 'core').map((n) => n.id);
    const page = await open('graph.html');
    expect(await page.evaluate(() => (window as any).__sweflow.cy.nodes().length)).toBe(core.length);

    const target = rows[0]!.nodes_to_develop[0]!;
    const name = target.split(':').slice(3).join(':');
    await page.fill('#graph-search', name);
    await page.waitForFunction(() => (window as any).__sweflow.cy.nodes('.match').length > 0);
    const matched = await page.evaluate(() => (window as any).__sweflow.cy.nodes('.match').map((n: any) => n.data('label')));
    expect(matched.length).toBe(core.filter((id) => id.toLowerCase().includes(name.toLowerCase())).length);
    expect(matched).toContain(name);

    await page.fill('#graph-search', '');
    await page.waitForFunction(() => (window as any).__sweflow.cy.nodes('.match').length === 0);
    const point = await page.evaluate((label) => {
      const cy = (window as any).__sweflow.cy;
      const node = cy.nodes().filter((n: any) => n.data('label') === label)[0];
      cy.zoom(2);
      cy.center(node);
      const p = node.renderedPosition();
      const box = cy.container().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    }, name);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('#panel-tests');
    const panelTests = await page.$$eval('#panel-tests li', (els) => els.map((e) => e.textContent));
    // the tests the trace saw reach this function (a step may develop several, so its FAIL_TO_PASS can hold more)
    const reaching = rdg.tests.filter((t) => t.coreNodes.includes(target)).map((t) => t.testId);
    expect(reaching.length).toBeGreaterThan(0);
    expect([...panelTests].sort()).toEqual([...reaching].sort());
    expect(rows[0]!.FAIL_TO_PASS.some((t) => reaching.includes(t))).toBe(true);
    expect(await page.textContent('#panel-step')).toMatch(/^step \d+$/);
    await shot(page, 'graph');
    await page.close();
  });

  it('lists every step on the timeline; clicking a task opens its page with the patch as a diff', async () => {
    const schedule = JSON.parse(await readFile(path.join(out, 'schedule.json'), 'utf8')) as { steps: unknown[] };
    const page = await open('schedule.html');
    expect(await page.locator('article.step').count()).toBe(schedule.steps.length);
    expect(await page.locator('#timeline .tick').count()).toBe(schedule.steps.length);
    await shot(page, 'schedule');
    const row = rows[0]!;
    await Promise.all([page.waitForURL(/task\.html/), page.click(`a.task-link[href="task.html?id=${encodeURIComponent(row.instance_id)}"]`)]);
    await page.waitForSelector('body[data-ready="true"]');
    expect((await page.textContent('#task-title'))?.startsWith(row.instance_id)).toBe(true);

    const added = row.patch.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++') && l.slice(1).trim()).map((l) => l.slice(1).trim());
    expect(added.length).toBeGreaterThan(0);
    const inserted = (await page.$$eval('#diff .d2h-ins .d2h-code-line-ctn', (els) => els.map((e) => (e.textContent ?? '').trim()))).filter(Boolean);
    for (const line of added) expect(inserted).toContain(line);
    expect(await page.$$eval('#f2p tbody tr td:first-child', (els) => els.map((e) => e.textContent))).toEqual(row.FAIL_TO_PASS);
    expect(await page.locator('#p2p tbody tr').count()).toBe(row.PASS_TO_PASS.length);
    expect(await page.textContent('#statement h1')).toContain(row.instance_id);
    const grades = await page.$$eval('.eval h3 .badge', (els) => els.map((e) => e.textContent).sort());
    expect(grades).toEqual(['resolved', 'unresolved']);
    await shot(page, 'task');
    await page.close();
  });

  it('filters the task table and shows resolved rates per model', async () => {
    const page = await open('tasks.html');
    expect(await page.locator('#tasks-table tbody tr').count()).toBe((await page.evaluate(() => (window as any).__sweflow.load('tasks', 'tasks.js'))).length);
    await page.selectOption('#task-verdict', 'verified');
    expect(await page.locator('#tasks-table tbody tr').count()).toBe(rows.length);
    await page.fill('#task-search', rows[0]!.instance_id);
    expect(await page.locator('#tasks-table tbody tr').count()).toBe(rows.filter((r) => r.instance_id.includes(rows[0]!.instance_id)).length);
    await page.close();

    const evalPage = await open('evaluation.html');
    const rates = await evalPage.$$eval('table.eval-runs tbody tr', (trs) => trs.map((tr) => [tr.children[0]?.textContent, tr.children[4]?.textContent]));
    expect(new Map(rates as [string, string][])).toEqual(new Map([['gold', '100.0%'], ['empty', '0.0%']]));
    expect(await evalPage.locator('ul.instances li').count()).toBe(2 * rows.length);
    await shot(evalPage, 'evaluation');
    await evalPage.close();
  });

  it('logs no console error and requests nothing outside the site', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('swe-flow view: releases, serving and bad input', () => {
  it('opens a release folder (data/<split>-*.jsonl) with splits, repositories and a task table', async () => {
    const release = path.join(tmp, 'release');
    await mkdir(path.join(release, 'data'), { recursive: true });
    const lines = (await readFile(path.join(out, 'dataset.jsonl'), 'utf8')).trim().split('\n');
    const half = Math.ceil(lines.length / 2);
    await writeFile(path.join(release, 'data', 'train-00000-of-00001.jsonl'), `${lines.slice(0, half).join('\n')}\n`);
    await writeFile(path.join(release, 'data', 'test-00000-of-00001.jsonl'), `${lines.slice(half).join('\n')}\n`);
    await writeFile(path.join(release, 'release.json'), JSON.stringify({ name: 'fixture-release', version: '0.1.0' }));
    const result = await buildView(release, { out: path.join(tmp, 'release-site') });
    expect(result.kind).toBe('release');
    const before = site;
    site = result.siteDir;
    try {
      const page = await open('index.html');
      expect(await page.textContent('h1')).toBe('fixture-release 0.1.0');
      expect(await page.textContent('.card[data-count="tasks"] .num')).toBe(String(lines.length));
      const splits = await page.$$eval('.bar-row', (els) => els.map((e) => [e.querySelector('.bar-label')?.textContent, e.querySelector('.bar-value')?.textContent]));
      expect(splits).toEqual(expect.arrayContaining([['train', String(half)], ['test', String(lines.length - half)]]));
      await shot(page, 'release');
      await page.close();
    } finally {
      site = before;
    }
  });

  it('serves the site on loopback only, and refuses paths outside it', async () => {
    const server = await serveSite(site);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(server.url);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('data-page="overview"');
      const escape = await fetch(`${server.url}..%2f..%2fetc%2fpasswd`);
      expect([403, 404]).toContain(escape.status);
      const page = await browser.newPage();
      await page.goto(`${server.url}graph.html`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.evaluate(() => (window as any).__sweflow.cy.nodes().length)).toBeGreaterThan(0);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a non-empty --out that holds no site, and a folder with no swe-flow output, changing nothing', async () => {
    const busy = path.join(tmp, 'busy');
    await mkdir(busy, { recursive: true });
    await writeFile(path.join(busy, 'keep.txt'), 'mine');
    await expect(buildView(out, { out: busy })).rejects.toMatchObject({ code: 'SWEFLOW_OUT_DIR_NOT_EMPTY' });
    expect(await readFile(path.join(busy, 'keep.txt'), 'utf8')).toBe('mine');
    await expect(buildView(out, { out: path.dirname(out) })).rejects.toMatchObject({ code: 'SWEFLOW_USAGE' });
    await expect(buildView(busy)).rejects.toMatchObject({ code: 'SWEFLOW_INPUT_INVALID' });
    // A rebuild over its own site is allowed and gives the same pages.
    const again = await buildView(out, { out: site });
    expect(again.tasks).toBeGreaterThan(0);
  });
});
