import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * npm's list of dependencies allowed to run install scripts, given to npm the one way every npm 11
 * accepts in a project install. npm 11.19 refuses `--allow-scripts` on the command line and in
 * `npm_config_allow_scripts` (EALLOWSCRIPTS: "not allowed in project-scoped installs") and reads it
 * only from `package.json` or an npmrc. The repository's files are not ours to edit, so the list goes
 * into a temporary user npmrc that starts with the user's own (registry, proxy and CA settings kept).
 */
export class NpmScriptPolicy {
  private constructor(private readonly dir: string | undefined, readonly env: Record<string, string>) {}

  /** No file when nothing is listed ('all' is a flag npm accepts: `--dangerously-allow-all-scripts`). */
  static async create(allowScripts: string[] | 'all', env: NodeJS.ProcessEnv = process.env): Promise<NpmScriptPolicy> {
    if (allowScripts === 'all' || allowScripts.length === 0) return new NpmScriptPolicy(undefined, {});
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-npmrc-'));
    const file = path.join(dir, 'npmrc');
    const own = userConfigFile(env);
    const base = own !== undefined && existsSync(own) ? await readFile(own, 'utf8') : '';
    await writeFile(file, `${base}${base === '' || base.endsWith('\n') ? '' : '\n'}allow-scripts=${allowScripts.join(',')}\n`, { mode: 0o600 });
    return new NpmScriptPolicy(dir, { npm_config_userconfig: file });
  }

  async dispose(): Promise<void> {
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The user npmrc npm would read: an explicit setting first, else ~/.npmrc. */
function userConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG;
  if (explicit !== undefined && explicit !== '') return explicit;
  return path.join(os.homedir(), '.npmrc');
}
