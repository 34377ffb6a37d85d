import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';

const ACTIONS = 'build <manifest> | verify <dir> | diff <a> <b>';

export async function run(args: string[], flags: Flags): Promise<number> {
  const [action, ...rest] = args;
  const release = await import('@swe-flow/release');
  const out = (s: string) => process.stdout.write(s);
  if (action === 'build') {
    const manifest = rest[0];
    if (!manifest) throw new SweFlowError(ErrorCodes.USAGE, `give the manifest: swe-flow release build <manifest.json|yaml> --out DIR --version V`);
    if (typeof flags.out !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--out <dir> is required: the release folder');
    const version = flags.releaseVersion === undefined || flags.releaseVersion === true ? undefined : String(flags.releaseVersion);
    if (!version) throw new SweFlowError(ErrorCodes.USAGE, '--version <v> is required (for example --version 1.0.0)');
    const workers = flags.workers === undefined ? 1 : Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 1) throw new SweFlowError(ErrorCodes.USAGE, `--workers ${String(flags.workers)} is not a positive whole number`);
    const { createCliLogger } = await import('../render.js');
    const logger = createCliLogger(flags);
    const { installShutdown, rerunCommand } = await import('../shutdown.js');
    const uninstall = await installShutdown(logger, undefined, `to continue, rerun: ${rerunCommand()} (settled repositories are reused; the one stopped resumes its synth stages)`);
    const result = await release.buildRelease({
      manifest, out: flags.out, version, workers,
      ...(typeof flags.previous === 'string' ? { previous: flags.previous } : {}),
      ...(flags.retryFailed ? { retryFailed: true } : {}),
      ...(typeof flags.queue === 'string' ? { executor: await (await import('./queue-options.js')).releaseExecutor(flags, logger) } : {}),
      logger,
    }).finally(() => { uninstall(); logger.finish(); });
    const rows = Object.entries(result.record.splits).map(([s, x]) => `${s} ${x.rows}`).join(', ');
    if (flags.json) out(`${JSON.stringify({ type: 'result', dir: result.dir, splits: result.record.splits, built: result.built, reused: result.reused, failed: result.failed })}\n`);
    else out(`release ${result.record.name} ${result.record.version}: ${rows || 'no rows'}; ${result.failed} of ${result.record.repositories.length} repositories failed → ${path.relative(process.cwd(), result.dir) || '.'}\n`);
    return Object.keys(result.record.splits).length === 0 ? 1 : 0;
  }
  if (action === 'verify') {
    if (!rest[0]) throw new SweFlowError(ErrorCodes.USAGE, 'give the release folder: swe-flow release verify <dir>');
    const result = await release.verifyRelease(rest[0]);
    if (flags.json) out(`${JSON.stringify({ type: 'result', ...result })}\n`);
    else {
      for (const c of result.checked) out(`ok   ${c}\n`);
      for (const p of result.problems) out(`FAIL ${p.check}: ${p.detail}\n`);
      out(result.ok ? 'release verified\n' : `${result.problems.length} problems\n`);
    }
    return result.ok ? 0 : 1;
  }
  if (action === 'diff') {
    if (!rest[0] || !rest[1]) throw new SweFlowError(ErrorCodes.USAGE, 'give two release folders: swe-flow release diff <a> <b>');
    const d = await release.diffReleases(rest[0], rest[1]);
    if (flags.json) out(`${JSON.stringify({ type: 'result', ...d })}\n`);
    else {
      out(`${d.from} → ${d.to}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged, ${d.moved.length} repositories moved\n`);
      for (const id of d.added) out(`+ ${id}\n`);
      for (const id of d.removed) out(`- ${id}\n`);
      for (const c of d.changed) out(`~ ${c.instance_id}: ${c.fields.join(', ')}\n`);
      for (const m of d.moved) out(`> ${m.repo}: ${m.from ?? '(none)'} → ${m.to ?? '(none)'}\n`);
    }
    return 0;
  }
  throw new SweFlowError(ErrorCodes.USAGE, `unknown release action ${JSON.stringify(action ?? '')}; use ${ACTIONS}`);
}
