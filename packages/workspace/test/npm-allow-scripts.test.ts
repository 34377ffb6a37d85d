import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { pathExists as exists } from '../src/files.js';
import { detectProject, installDependencies } from '../src/index.js';

/** A project whose one dependency (a local tarball) writes a file from its postinstall script. */
async function projectWithInstallScript(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-allow-scripts-'));
  const dep = path.join(root, 'dep');
  await mkdir(dep);
  await writeFile(path.join(dep, 'package.json'), JSON.stringify({
    name: 'swf-script-dep', version: '1.0.0',
    scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(\'ran.txt\', \'1\')"' },
  }));
  await execa('npm', ['pack', '--silent'], { cwd: dep });
  const project = path.join(root, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({
    name: 'swf-allow-scripts', version: '1.0.0', dependencies: { 'swf-script-dep': 'file:../dep/swf-script-dep-1.0.0.tgz' },
  }));
  return project;
}

describe('--allow-scripts with a list reaches npm', { timeout: 120_000 }, () => {
  it('npm installs with the list (no EALLOWSCRIPTS from npm 11.19), scripts run, and no npmrc is left behind', async () => {
    const dir = await projectWithInstallScript();
    const before = new Set(await readdir(os.tmpdir()));
    const record = await installDependencies(dir, await detectProject(dir), { allowScripts: ['swf-script-dep'] });
    expect(record.attempts.map((a) => [a.label, a.ok])).toEqual([['plain', true]]);
    expect(record.fallbacks).toEqual([]);
    expect(record.allowScripts).toEqual(['swf-script-dep']);
    expect(record.command.join(' ')).not.toContain('--allow-scripts');
    expect(await exists(path.join(dir, 'node_modules/swf-script-dep/ran.txt'))).toBe(true);
    // The repository's copy gets no .npmrc; the temporary user npmrc is removed after the install.
    expect(await exists(path.join(dir, '.npmrc'))).toBe(false);
    const left = (await readdir(os.tmpdir())).filter((f) => f.startsWith('swe-flow-npmrc-') && !before.has(f));
    expect(left).toEqual([]);
  });
});
