/** `buildView()`: an output folder in, a static site out (what `swe-flow view` runs). */
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { collectSite } from './collect.js';
import type { ViewKind } from './model.js';
import { writeSite } from './site.js';

export interface BuildViewOptions {
  /** Where the site goes; default `<dir>/site`. */
  out?: string;
}

export interface BuildViewResult {
  kind: ViewKind;
  siteDir: string;
  indexFile: string;
  tasks: number;
  functions: number;
  ms: number;
}

export async function buildView(dir: string, options: BuildViewOptions = {}): Promise<BuildViewResult> {
  const t0 = Date.now();
  const source = path.resolve(dir);
  const siteDir = path.resolve(options.out ?? path.join(source, 'site'));
  const model = await collectSite(source);
  const up = path.relative(siteDir, source);
  if (up === '' || !up.startsWith('..')) {
    throw new SweFlowError(ErrorCodes.USAGE, `--out ${siteDir} is or contains the folder being viewed; choose a new folder such as ${path.join(source, 'site')}`);
  }
  const written = await writeSite(model, siteDir);
  return {
    kind: model.overview.kind,
    siteDir: written.dir,
    indexFile: path.join(written.dir, 'index.html'),
    tasks: model.tasks.length,
    functions: model.graph?.nodes.length ?? 0,
    ms: Date.now() - t0,
  };
}
