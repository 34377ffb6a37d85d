import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@swe-flow/core';
import type { ShutdownReport, ShutdownSignal } from '@swe-flow/runtime';

/** What an interrupted run leaves in its output folder for `--resume`: finished stages, settled tasks. */
export async function describeKept(out: string): Promise<string> {
  const stages = (await readdir(path.join(out, '.swe-flow', 'stages')).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length));
  const settled = (await readdir(path.join(out, '.swe-flow', 'verify')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).length;
  if (stages.length === 0 && settled === 0) return `nothing finished was kept in ${out}`;
  const parts = [
    ...(stages.length ? [`finished stages ${stages.sort().join(', ')}`] : []),
    ...(settled ? [`${settled} verified or rejected task(s)`] : []),
  ];
  return `kept in ${out}: ${parts.join('; ')}`;
}

export function shutdownMessage(signal: ShutdownSignal, report: ShutdownReport, kept: string | undefined, resume: string): string {
  const stopped = `stopped ${report.cleaned} running process group(s), container(s) and temp folder(s) of this run`;
  const late = report.timedOut ? ' (the cleanup hit its time limit: check `docker ps` for containers labelled swe-flow)' : '';
  return `interrupted by ${signal}: ${stopped}${late}; ${kept ? `${kept}; ` : ''}${resume}`;
}

/**
 * The CLI's end of the shutdown path: after the runtime killed the run's processes and containers
 * and removed its temp folders, say what was kept and how to go on, then exit 128 + signal
 * (130 SIGINT, 143 SIGTERM, 129 SIGHUP). The output folder's lock goes with the process.
 */
export async function installShutdown(logger: Logger & { finish?(): void }, out: string | undefined, resume: string): Promise<() => void> {
  // Loaded lazily, as everywhere else in the CLI (`--help` does not load the runtime).
  const { onShutdown, settleLateCleanups, signalExitCode } = await import('@swe-flow/runtime');
  return onShutdown(async (signal, report) => {
    const kept = out ? await describeKept(out) : undefined;
    logger.finish?.();
    logger.warn(shutdownMessage(signal, report, kept, resume));
    await settleLateCleanups();
    process.exit(signalExitCode(signal));
  });
}

let commandLine: readonly string[] = process.argv.slice(2);

/** The arguments swe-flow was started with (main's argv after `node bin.js`), as the user typed them. */
export function rememberCommandLine(args: readonly string[]): void {
  commandLine = [...args];
}

/**
 * The command that continues a stopped run: the user's own command line, every option kept (a rerun
 * without `--max-steps` or `--config` is another run), `--force` dropped (it would clear what was kept)
 * and `extra` added. Arguments a shell would split or expand are single-quoted.
 */
export function rerunCommand(extra: readonly string[] = [], argv: readonly string[] = commandLine): string {
  const kept = argv.filter((a) => a !== '--force' && !extra.includes(a));
  return ['swe-flow', ...kept, ...extra].map(shellWord).join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
