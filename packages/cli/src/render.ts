import pc from 'picocolors';
import type { Logger, ProgressEvent } from '@swe-flow/core';

export type OutputMode = 'tty' | 'plain' | 'json';

export interface RenderOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  stream?: NodeJS.WriteStream;
}

/**
 * The CLI's logger. On a terminal: one live line per stage with counts and an ETA. Without one (CI,
 * pipes): plain timestamped lines. `--json`: one JSON object per line.
 */
export function createCliLogger(options: RenderOptions = {}): Logger & { finish(): void; mode: OutputMode } {
  const stream = options.stream ?? process.stderr;
  const mode: OutputMode = options.json ? 'json' : stream.isTTY && !process.env.CI ? 'tty' : 'plain';
  const started = new Map<string, number>();
  let live = false;
  const clearLive = () => {
    if (live) { stream.write('\r\x1b[2K'); live = false; }
  };
  const line = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (mode === 'json') {
      process.stdout.write(`${JSON.stringify({ type: 'log', level, message, ...(fields ? { fields } : {}), time: new Date().toISOString() })}\n`);
      return;
    }
    if (options.quiet && level !== 'error') return;
    if (level === 'debug' && !options.verbose) return;
    clearLive();
    const stamp = new Date().toISOString().slice(11, 19);
    const tag = level === 'error' ? pc.red('error') : level === 'warn' ? pc.yellow('warn') : level === 'debug' ? pc.dim('debug') : pc.cyan('info');
    stream.write(`${mode === 'plain' ? `${stamp} ` : ''}${tag} ${message}\n`);
  };
  const progress = (event: ProgressEvent) => {
    if (mode === 'json') {
      process.stdout.write(`${JSON.stringify({ type: 'progress', ...event, time: new Date().toISOString() })}\n`);
      return;
    }
    if (options.quiet) return;
    if (!started.has(event.stage)) started.set(event.stage, Date.now());
    const elapsed = Date.now() - started.get(event.stage)!;
    let eta = '';
    if (event.total && event.done > 0 && event.done < event.total) {
      eta = `, ETA ${Math.ceil(((elapsed / event.done) * (event.total - event.done)) / 1000)} s`;
    }
    const text = `${event.stage}: ${event.done}${event.total !== undefined ? `/${event.total}` : ''}${eta}${event.message ? ` ${event.message}` : ''}`;
    if (mode === 'tty') {
      stream.write(`\r\x1b[2K${pc.bold(text)}`);
      live = true;
    } else if (event.total !== undefined && (event.done === event.total || event.done % Math.max(1, Math.ceil(event.total / 10)) === 0)) {
      stream.write(`${new Date().toISOString().slice(11, 19)} progress ${text}\n`);
    }
  };
  return {
    mode,
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    progress,
    finish: clearLive,
  };
}
