import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RejectRow } from '@swe-flow/core';
import { synthesize, type RepoJson } from '../src/index.js';

/**
 * A tiny npm-workspaces monorepo written here: `@tiny/strings` (string helpers) and `@tiny/greet`, which
 * imports `@tiny/strings` by name through the workspace link and reads a file relative to its own
 * folder. The root has no tests. Synthesizing `--package packages/greet` must run the tests in the
 * package folder, keep ids relative to the repository root, and stub `@tiny/strings` functions in the
 * checkout that the link points at (else FAIL_TO_PASS tests would pass on the base).
 */
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'tiny-mono', private: true, type: 'module', workspaces: ['packages/*'], devDependencies: { vitest: '4.1.12' } }, null, 2),
  '.gitignore': 'node_modules\n',
  'packages/strings/package.json': JSON.stringify({ name: '@tiny/strings', version: '1.0.0', type: 'module', exports: './src/index.ts' }, null, 2),
  'packages/strings/src/index.ts': `export function words(text: string): string[] {
  return text.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
}

export function capitalize(word: string): string {
  if (word.length === 0) return word;
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

export function titleCase(text: string): string {
  return words(text).map((w) => capitalize(w)).join(' ');
}

export function initials(text: string): string {
  return words(text).map((w) => w.charAt(0).toUpperCase()).join('.') + '.';
}
`,
  'packages/strings/src/index.test.ts': `import { describe, expect, it } from 'vitest';
import { capitalize, initials, titleCase, words } from './index';

describe('strings', () => {
  it('splits words', () => expect(words('hello, big world')).toEqual(['hello', 'big', 'world']));
  it('capitalizes', () => expect(capitalize('hELLO')).toBe('Hello'));
  it('title-cases', () => expect(titleCase('the quick fox')).toBe('The Quick Fox'));
  it('takes initials', () => expect(initials('ada lovelace')).toBe('A.L.'));
});
`,
  'packages/greet/package.json': JSON.stringify({ name: '@tiny/greet', version: '1.0.0', type: 'module', dependencies: { '@tiny/strings': '1.0.0' } }, null, 2),
  'packages/greet/greeting.txt': 'Welcome\n',
  'packages/greet/src/greet.ts': `import { readFileSync } from 'node:fs';
import { initials, titleCase } from '@tiny/strings';

export function greet(name: string): string {
  const proper = titleCase(name);
  return \`Hello, \${proper} (\${initials(name)})!\`;
}

export function welcome(name: string, file = 'greeting.txt'): string {
  const word = readFileSync(file, 'utf8').trim();
  return \`\${word}, \${titleCase(name)}. Enjoy your stay.\`;
}
`,
  'packages/greet/src/greet.test.ts': `import { describe, expect, it } from 'vitest';
import { greet, welcome } from './greet';

describe('greet', () => {
  it('greets by full name', () => expect(greet('grace hopper')).toBe('Hello, Grace Hopper (G.H.)!'));
  it('greets a single name', () => expect(greet('linus')).toBe('Hello, Linus (L.)!'));
});

describe('welcome', () => {
  // greeting.txt is read relative to the working directory: the package folder.
  it('welcomes with the package greeting', () => expect(welcome('alan turing')).toBe('Welcome, Alan Turing. Enjoy your stay.'));
});
`,
};

let repo: string;

beforeAll(async () => {
  repo = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-mono-')), 'tiny-mono');
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), text);
  }
  await execa('git', ['init', '-q'], { cwd: repo });
  await execa('git', ['add', '.'], { cwd: repo });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'tiny monorepo'], { cwd: repo });
});

describe('synthesize() on an npm-workspaces monorepo', () => {
  it('refuses the root (no tests of its own) and lists the packages to choose from', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-mono-out-')), 'out');
    const error = await synthesize(repo, { out, config: { name: 'tiny/mono' } }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('SWEFLOW_NO_TESTS');
    expect(error?.message).toContain('--package packages/greet  (@tiny/greet, 1 test file)');
    expect(error?.message).toContain('--package packages/strings  (@tiny/strings, 1 test file)');
  });

  it('rejects a --package that is not a workspace package, naming the valid ones', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-mono-out-')), 'out');
    await expect(synthesize(repo, { out, config: { name: 'tiny/mono', package: 'packages/nope' } })).rejects.toThrow(/not a workspace package[\s\S]*--package packages\/greet/);
  });

  it('synthesizes verified tasks from one package, with root-relative ids and stubs reached through the workspace link', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-mono-out-')), 'out');
    const result = await synthesize(repo, { out, config: { name: 'tiny/mono', package: 'packages/greet', modes: ['isolated'], skipImage: true, minPatchTokens: 1, minStepLines: 0 } }); // one-line functions: each its own task, so the sibling package's and this package's are verified apart
    const repoJson = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as RepoJson;
    expect(repoJson.package).toBe('packages/greet');
    expect(repoJson.testCommand).toMatch(/^cd packages\/greet && node \.\.\/\.\.\/node_modules\/vitest\/vitest\.mjs run /);

    // Only the package's tests were traced, all passing, with ids relative to the repository root.
    const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as { tests: { id: string; status: string }[] };
    expect(trace.tests.map((t) => t.id).sort()).toEqual([
      'packages/greet/src/greet.test.ts > greet > greets a single name',
      'packages/greet/src/greet.test.ts > greet > greets by full name',
      'packages/greet/src/greet.test.ts > welcome > welcomes with the package greeting',
    ]);
    expect(trace.tests.every((t) => t.status === 'passed')).toBe(true);

    const badReasons: RejectRow['reason'][] = ['f2p-passing-on-base', 'p2p-broken-on-base', 'tests-missing', 'infrastructure-error'] as RejectRow['reason'][];
    expect(result.rejects.filter((r) => badReasons.includes(r.reason))).toEqual([]);
    expect(result.rows.length).toBeGreaterThanOrEqual(2);
    const developed = result.rows.flatMap((r) => r.nodes_to_develop);
    // Functions of the sibling package, reached through node_modules/@tiny/strings, are developed too.
    expect(developed.some((id) => id.startsWith('packages/strings/src/index.ts:'))).toBe(true);
    expect(developed.some((id) => id.startsWith('packages/greet/src/greet.ts:'))).toBe(true);
    // The trees were verified in batches: each batch tree's node_modules/@tiny/strings must lead to the
    // tree's own (stubbed) copy, or the sibling package's tasks would be rejected f2p-passing-on-base.
    expect(result.summary?.verification.batches).toBeGreaterThanOrEqual(1);
    expect(result.summary?.verification.batchedTrees).toBeGreaterThanOrEqual(result.rows.length);
    for (const row of result.rows) {
      // The repository stays the repository; instance ids carry the package so packages can be merged.
      expect(row.repo).toBe('tiny/mono');
      expect(row.instance_id).toMatch(/^tiny__mono\.packages-greet-isolated-\d+$/);
      expect(row.FAIL_TO_PASS.every((id) => id.startsWith('packages/greet/src/greet.test.ts > '))).toBe(true);
      expect(row.test_command.startsWith('cd packages/greet && ')).toBe(true);
    }
  }, 600_000);
});
