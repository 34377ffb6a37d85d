/**
 * The environment audit of a release (issue on task environments): every repository's synth ran
 * `swe-flow audit` on its tasks (unless the manifest turned it off); its report is copied into the
 * release folder as `audit/<owner>__<repo>.json` and summed per repository in release.json and the card.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { RepoResult } from './build-repo.js';

export interface RepoAudit {
  /** Whether synth audited the tasks (false: `audit: false` in the options, or an older synth output). */
  ran: boolean;
  runtime: 'local' | 'docker' | null;
  /** Tasks audited (verified tasks, before the audit dropped any). */
  tasks: number;
  /** Tasks whose solution was found in their environment: rejected as solution-reachable, never published. */
  solutionReachable: number;
  durationMs: number;
  /** The report's file in the release folder. */
  report: string | null;
}

interface AuditJson { runtime?: 'local' | 'docker'; tasks?: unknown[]; failed?: string[]; durationMs?: number }

export const auditFileOf = (repoName: string) => `audit/${repoName.replace('/', '__')}.json`;

/** Reads each ok repository's `audit.json` from its synth folder and copies it into `<dir>/audit/`. */
export async function collectAudits(dir: string, repos: readonly RepoResult[]): Promise<Map<string, RepoAudit>> {
  const out = new Map<string, RepoAudit>();
  await rm(path.join(dir, 'audit'), { recursive: true, force: true });
  for (const r of repos.filter((x) => x.status === 'ok')) {
    const synthDir = path.resolve(dir, r.synthDir);
    const file = path.join(synthDir, 'audit.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) {
      out.set(r.name, { ran: false, runtime: null, tasks: 0, solutionReachable: 0, durationMs: 0, report: null });
      continue;
    }
    let json: AuditJson;
    try {
      json = JSON.parse(text) as AuditJson;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${file} is not JSON (${(cause as Error).message}): run swe-flow audit ${synthDir} again, or remove the file to publish ${r.name} as not audited`, { cause });
    }
    const report = auditFileOf(r.name);
    await mkdir(path.join(dir, 'audit'), { recursive: true });
    await writeFile(path.join(dir, report), text);
    out.set(r.name, {
      ran: true, runtime: json.runtime ?? null, tasks: json.tasks?.length ?? 0, solutionReachable: json.failed?.length ?? 0,
      durationMs: json.durationMs ?? 0, report,
    });
  }
  return out;
}

/** The sum over repositories, for the card. */
export function auditTotals(audits: ReadonlyMap<string, RepoAudit>): { repositories: number; notAudited: string[]; tasks: number; solutionReachable: number; durationMs: number } {
  const list = [...audits.entries()];
  const ran = list.filter(([, a]) => a.ran);
  return {
    repositories: ran.length,
    notAudited: list.filter(([, a]) => !a.ran).map(([n]) => n).sort(),
    tasks: ran.reduce((s, [, a]) => s + a.tasks, 0),
    solutionReachable: ran.reduce((s, [, a]) => s + a.solutionReachable, 0),
    durationMs: ran.reduce((s, [, a]) => s + a.durationMs, 0),
  };
}
