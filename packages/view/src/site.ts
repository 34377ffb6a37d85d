/**
 * Writes the static site: one HTML page per view, the app script and styles, the vendored libraries
 * (no request leaves the page), and the data as small script files loaded on demand, so the site opens
 * from disk (`file://` forbids fetch) and a large release loads only what a page shows.
 */
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { SiteModel } from './model.js';

const require = createRequire(import.meta.url);
const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));

/** Vendored files: [package, file inside it, name in the site's assets/vendor]. */
const VENDOR: [string, string, string][] = [
  ['cytoscape', 'dist/cytoscape.min.js', 'cytoscape.min.js'],
  ['diff2html', 'bundles/js/diff2html-ui-slim.min.js', 'diff2html-ui.min.js'],
  ['diff2html', 'bundles/css/diff2html.min.css', 'diff2html.min.css'],
  ['marked', 'lib/marked.umd.js', 'marked.umd.js'],
  ['dompurify', 'dist/purify.min.js', 'purify.min.js'],
];

export interface SitePage {
  file: string;
  page: string;
  title: string;
  vendor: string[];
}

export const PAGES: SitePage[] = [
  { file: 'index.html', page: 'overview', title: 'Overview', vendor: [] },
  { file: 'graph.html', page: 'graph', title: 'Graph', vendor: ['cytoscape.min.js'] },
  { file: 'schedule.html', page: 'schedule', title: 'Schedule', vendor: [] },
  { file: 'tasks.html', page: 'tasks', title: 'Tasks', vendor: [] },
  { file: 'evaluation.html', page: 'evaluation', title: 'Evaluation', vendor: [] },
  { file: 'task.html', page: 'task', title: 'Task', vendor: ['marked.umd.js', 'purify.min.js', 'diff2html-ui.min.js'] },
];

/** The data file name of a task (instance ids are file-name safe already; anything else is replaced). */
export function taskDataName(instanceId: string): string {
  return instanceId.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!(path.basename(dir) === name && path.basename(path.dirname(dir)) === 'node_modules')) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the ${name} package`);
    dir = up;
  }
  return dir;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function pageHtml(page: SitePage, title: string): string {
  const css = ['assets/app.css', ...(page.vendor.includes('diff2html-ui.min.js') ? ['assets/vendor/diff2html.min.css'] : [])];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${page.title} · ${title} · swe-flow`)}</title>
${css.map((c) => `<link rel="stylesheet" href="${c}">`).join('\n')}
</head>
<body data-page="${page.page}">
<header id="top"></header>
<main id="main"><p class="muted">Loading…</p></main>
${page.vendor.filter((v) => v.endsWith('.js')).map((v) => `<script src="assets/vendor/${v}"></script>`).join('\n')}
<script src="assets/app.js"></script>
</body>
</html>
`;
}

/** `window.__sweflow.data(name, value)` in a script file: JSON that a page loads from disk. */
function dataScript(name: string, value: unknown): string {
  return `window.__sweflowData(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`;
}

/** The site's data folder; named so it never meets a release's own `data/`. */
export const DATA_DIR = 'site-data';
/** Marks a folder as a site swe-flow wrote, so a rebuild may replace its data and nothing else. */
const SITE_MARKER = '.swe-flow-site';

/** A new or empty folder, or one holding a site written before; anything else is refused untouched. */
async function claimSiteDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new SweFlowError(ErrorCodes.OUT_DIR_UNWRITABLE, `cannot read ${dir} (${error.code ?? error.message}); choose another --out`);
  });
  if (entries.length > 0 && !entries.includes(SITE_MARKER)) {
    throw new SweFlowError(ErrorCodes.OUT_DIR_NOT_EMPTY, `${dir} is not empty and holds no swe-flow site; choose a new or empty folder for --out (nothing was changed)`);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, SITE_MARKER), 'a static site written by swe-flow view; its data is replaced on every rebuild\n');
}

export interface WriteSiteResult {
  dir: string;
  pages: string[];
  dataFiles: number;
}

export async function writeSite(model: SiteModel, outDir: string): Promise<WriteSiteResult> {
  const dir = path.resolve(outDir);
  await claimSiteDir(dir);
  await rm(path.join(dir, DATA_DIR), { recursive: true, force: true });
  await mkdir(path.join(dir, DATA_DIR, 'tasks'), { recursive: true });
  await mkdir(path.join(dir, 'assets', 'vendor'), { recursive: true });

  for (const [pkg, file, name] of VENDOR) {
    const from = packageDir(pkg);
    await copyFile(path.join(from, file), path.join(dir, 'assets', 'vendor', name));
    await copyFile(path.join(from, 'LICENSE'), path.join(dir, 'assets', 'vendor', `${pkg}.LICENSE.txt`)).catch(() => undefined);
  }
  for (const file of ['app.js', 'app.css']) await copyFile(path.join(ASSETS, file), path.join(dir, 'assets', file));

  const pages: string[] = [];
  for (const page of PAGES) {
    await writeFile(path.join(dir, page.file), pageHtml(page, model.overview.title));
    pages.push(page.file);
  }
  let dataFiles = 0;
  const write = async (rel: string, name: string, value: unknown) => {
    await writeFile(path.join(dir, DATA_DIR, rel), dataScript(name, value));
    dataFiles++;
  };
  await write('overview.js', 'overview', model.overview);
  await write('tasks.js', 'tasks', model.tasks);
  if (model.graph) await write('graph.js', 'graph', model.graph);
  if (model.steps) await write('schedule.js', 'schedule', model.steps);
  for (const [id, detail] of model.details) await write(`tasks/${taskDataName(id)}.js`, `task:${id}`, detail);
  return { dir, pages, dataFiles };
}
