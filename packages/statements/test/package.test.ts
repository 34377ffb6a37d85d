import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMPTS_DIR, loadPrompt, renderPrompt } from '../src/index.js';

const run = promisify(execFile);
const pkgDir = new URL('..', import.meta.url);

describe('prompts ship next to dist', () => {
  it('the packed package contains every prompt file', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkgDir });
    const packed = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const prompts = (await readdir(new URL('../prompts/', import.meta.url))).filter((f) => f.endsWith('.md'));
    expect(prompts.length).toBeGreaterThanOrEqual(5);
    for (const p of prompts) expect(packed).toContain(`prompts/${p}`);
  });

  it.skipIf(!existsSync(new URL('../dist/index.js', import.meta.url)))('the build finds the prompts at runtime', async () => {
    const script = "const m = await import('./dist/index.js'); process.stdout.write(await m.loadPrompt('statement-system'));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgDir });
    expect(stdout).toBe(await readFile(new URL('../prompts/statement-system.md', import.meta.url), 'utf8'));
  });

  it('loads prompts from the package directory and fills placeholders in one pass', async () => {
    expect(DEFAULT_PROMPTS_DIR.endsWith('/statements/prompts/')).toBe(true);
    const user = await loadPrompt('docstring-user');
    const filled = renderPrompt(user, { file: 'a.ts', name: '{{kind}}', kind: 'method', lang: 'ts', signature: 'f()' });
    expect(filled).toContain('Function: {{kind}} (method)');
    expect(() => renderPrompt('{{missing}}', {})).toThrow(/missing/);
    await expect(loadPrompt('docstring-user', '/nonexistent')).rejects.toMatchObject({ code: 'SWEFLOW_PATH_MISSING' });
  });
});
