// Reads one synth run of the corpus (its --json lines and its output folder) into a result row.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const RUNNER_PACKAGES = { vitest: ['vitest'], jest: ['jest', 'jest-cli'], mocha: ['mocha'], ava: ['ava'], tape: ['tape'], tap: ['tap'], uvu: ['uvu'], jasmine: ['jasmine'] };

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function jsonLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return line.startsWith('{') ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

/** The runner version installed in the working copy (the package's folder first, then the root). */
function installedRunner(workDir, pkgDir, runner, nodeVersion) {
  if (runner === 'node-test') return nodeVersion ? `node ${nodeVersion}` : null;
  for (const name of RUNNER_PACKAGES[runner] ?? [runner]) {
    for (const dir of [pkgDir ? path.join(workDir, pkgDir) : null, workDir].filter(Boolean)) {
      const version = readJson(path.join(dir, 'node_modules', name, 'package.json'))?.version;
      if (version) return version;
    }
  }
  return null;
}

/** Tests that passed in the untraced run: kept ones, and excluded ones whose untraced run passed. */
function untracedPassing(trace) {
  if (!trace) return null;
  const differsButPassed = trace.excluded.filter((e) => (e.reason === 'outcome-differs-traced' && /^untraced passed/.test(e.error ?? '')) || (e.reason === 'not-reported' && /untraced run only/.test(e.error ?? ''))).length;
  return trace.tests.length + differsButPassed;
}

/** Codes prepare raises before it installs anything (no copy, a runner's own repository): the install was not reached. */
const BEFORE_INSTALL = new Set(['SWEFLOW_PATH_MISSING', 'SWEFLOW_NOT_A_REPO', 'SWEFLOW_SOURCE_INCOMPLETE', 'SWEFLOW_REF_NOT_FOUND', 'SWEFLOW_NO_PACKAGE_JSON', 'SWEFLOW_SELF_HOSTED_RUNNER']);

/**
 * Whether the install worked: the install record of repo.json; else node_modules in the working copy
 * (prepare failed after installing, e.g. no runner detected); else a prepare failure is an install
 * failure (the package manager itself did not start, or the install failed), unless its code is one
 * raised before the install (then the install was not reached).
 */
function installFacts(repo, errorCode, workDir, lastStage) {
  if (repo?.install) {
    const i = repo.install;
    const fallback = i.fallback ?? i.fallbacks ?? i.attempts?.filter?.((a) => a.ok)?.map?.((a) => a.name ?? a.kind) ?? null;
    return { installOk: true, fallback: Array.isArray(fallback) ? fallback.join(', ') || null : (fallback ?? null), installMs: i.durationMs ?? null, packageManager: `${i.packageManager}@${i.packageManagerVersion ?? '?'}` };
  }
  const installed = errorCode !== 'SWEFLOW_INSTALL_FAILED' && existsSync(path.join(workDir, 'node_modules'));
  const installOk = installed ? true : BEFORE_INSTALL.has(errorCode) ? null : errorCode === 'SWEFLOW_INSTALL_FAILED' || lastStage === 'prepare' ? false : null;
  return { installOk, fallback: null, installMs: null, packageManager: null };
}

function topReasons(reasons, n = 3) {
  return Object.entries(reasons ?? {}).sort((a, b) => b[1] - a[1]).slice(0, n).map(([r, c]) => `${r} ${c}`).join(', ');
}

export function collectResult(entry, outDir, run, context) {
  const lines = jsonLines(`${outDir}.stdout.jsonl`);
  const workDir = path.join(outDir, '.work', 'repo');
  const error = lines.findLast((l) => l.type === 'error');
  const lastStage = lines.findLast((l) => l.type === 'progress')?.stage ?? null;
  const repo = readJson(path.join(outDir, 'repo.json'));
  const trace = readJson(path.join(outDir, 'trace.json'));
  const summary = readJson(path.join(outDir, 'summary.json'));
  const stage = (name) => summary?.stages?.find((s) => s.stage === name)?.ms ?? 0;
  const synthMs = summary ? summary.totalMs - stage('prepare') : null;
  const untracedMs = trace?.stats?.untracedWallMs ?? null;
  let errorCode = error?.code ?? null;
  let message = error?.message ?? null;
  if (run.timedOut) {
    errorCode = 'CORPUS_TIME_LIMIT';
    message = `no result within the corpus limit of ${context.limitMs / 60_000} min (was in stage ${lastStage ?? 'none'})`;
  } else if (!error && run.exitCode !== 0 && !summary) {
    errorCode = 'CORPUS_NO_ERROR_LINE';
    const stderr = existsSync(`${outDir}.stderr.log`) ? readFileSync(`${outDir}.stderr.log`, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
    message = `synth exited ${run.exitCode ?? run.signal} without an error line: ${stderr}`;
  }
  return {
    name: entry.name,
    commit: entry.commit,
    runner: repo?.runner ?? entry.runner,
    declaredRunner: `${entry.runner}@${entry.runnerVersion ?? '?'}`,
    runnerVersion: installedRunner(workDir, entry.overrides?.config?.package, repo?.runner ?? entry.runner, repo?.nodeVersion),
    ...installFacts(repo, errorCode, workDir, lastStage),
    declaredPackageManager: entry.packageManager,
    untracedPassing: untracedPassing(trace),
    testsTraced: summary?.counts?.testsTraced ?? trace?.tests?.length ?? null,
    testsExcluded: summary?.counts?.testsExcluded ?? trace?.excluded?.length ?? null,
    steps: summary?.counts?.steps ?? null,
    candidates: summary?.counts?.candidates ?? null,
    verified: summary?.counts?.verified ?? (run.timedOut || errorCode ? 0 : null),
    rejectReasons: summary?.rejectReasons ?? null,
    topRejects: topReasons(summary?.rejectReasons),
    synthMs,
    untracedMs,
    ratio: synthMs && untracedMs ? Math.round((synthMs / untracedMs) * 10) / 10 : null,
    stages: summary?.stages ?? null,
    exitCode: run.exitCode,
    wallMs: run.wallMs,
    lastStage,
    errorCode,
    message: message ? message.split('\n')[0].slice(0, 300) : null,
    messageTail: message ? message.split('\n').slice(-8).join('\n').slice(-1500) : null,
    loadBefore: Math.round(context.loadBefore * 10) / 10,
    loadAfter: Math.round(context.loadAfter * 10) / 10,
    finishedAt: new Date().toISOString(),
  };
}
