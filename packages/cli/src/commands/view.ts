import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';

export async function run(args: string[], flags: Flags): Promise<number> {
  const dir = args[0];
  if (!dir) throw new SweFlowError(ErrorCodes.USAGE, 'give the output folder to view: swe-flow view <out|release|evaluation dir>');
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SweFlowError(ErrorCodes.USAGE, `--port ${String(flags.port)} is not a port number (0-65535)`);
  const { buildView, serveSite } = await import('@swe-flow/view');
  const result = await buildView(dir, typeof flags.out === 'string' ? { out: flags.out } : {});
  const rel = path.relative(process.cwd(), result.indexFile) || result.indexFile;
  if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
  else if (!flags.quiet) process.stdout.write(`${result.kind} report: ${result.tasks} tasks${result.functions ? `, ${result.functions} functions` : ''} in ${result.ms} ms → ${rel} (open it in a browser)\n`);
  if (!flags.serve) return 0;
  const server = await serveSite(result.siteDir, port);
  process.stdout.write(flags.json ? `${JSON.stringify({ type: 'serve', url: server.url })}\n` : `serving on ${server.url} (loopback only); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
