import pc from 'picocolors';
import type { Flags } from '../main.js';

export async function run(_args: string[], flags: Flags): Promise<number> {
  const { runDoctor } = await import('@swe-flow/pipeline');
  const checks = await runDoctor(typeof flags.nodeVersion === 'string' ? { nodeVersion: flags.nodeVersion } : {});
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ type: 'result', checks })}\n`);
  } else {
    for (const c of checks) {
      const mark = c.status === 'ok' ? pc.green('ok  ') : c.status === 'warn' ? pc.yellow('warn') : pc.red('FAIL');
      process.stdout.write(`${mark} ${c.name.padEnd(11)} ${c.detail}${c.fix ? `\n     ${pc.dim(`→ ${c.fix}`)}` : ''}\n`);
    }
  }
  return checks.some((c) => c.status === 'fail') ? 2 : 0;
}
