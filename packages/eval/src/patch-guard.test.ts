import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPatch, parsePatchFiles, protectedReason, symlinkStaysInside } from './patch-guard.js';

const modify = (file: string, a = `a/${file}`, b = `b/${file}`) =>
  [`diff --git ${a} ${b}`, 'index 1111111..2222222 100644', `--- ${a}`, `+++ ${b}`, '@@ -1 +1 @@', '-old', '+new', ''].join('\n');

const rules = { testFiles: ['test/queue.test.js', 'spec-helpers.js'] };

describe('parsePatchFiles', () => {
  it('reads git headers: modify, new, delete, rename and quoted paths', () => {
    const patch = [
      modify('src/a.ts'),
      'diff --git a/src/new.ts b/src/new.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/new.ts\n@@ -0,0 +1 @@\n+x\n',
      'diff --git a/src/gone.ts b/src/gone.ts\ndeleted file mode 100644\n--- a/src/gone.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n',
      'diff --git a/src/old.ts b/src/renamed.ts\nsimilarity index 100%\nrename from src/old.ts\nrename to src/renamed.ts\n',
      'diff --git "a/src/sp ace.ts" "b/src/sp ace.ts"\n--- "a/src/sp ace.ts"\n+++ "b/src/sp ace.ts"\n@@ -1 +1 @@\n-a\n+b\n',
    ].join('');
    const files = parsePatchFiles(patch);
    expect(files.map((f) => [f.oldPath, f.newPath])).toEqual([
      ['a/src/a.ts', 'b/src/a.ts'],
      [null, 'b/src/new.ts'],
      ['a/src/gone.ts', null],
      ['a/src/old.ts', 'b/src/renamed.ts'],
      ['a/src/sp ace.ts', 'b/src/sp ace.ts'],
    ]);
  });

  it('reads plain (non-git) diffs and symlink targets', () => {
    const plain = '--- src/a.ts\t2024-01-01\n+++ src/a.ts\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n--- src/b.ts\n+++ src/b.ts\n@@ -1 +1 @@\n-a\n+b\n';
    expect(parsePatchFiles(plain).map((f) => f.newPath)).toEqual(['src/a.ts', 'src/b.ts']);
    const link = 'diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+../../etc\n\\ No newline at end of file\n';
    expect(parsePatchFiles(link)[0]).toMatchObject({ newMode: '120000', symlinkTarget: '../../etc' });
  });
});

describe('checkPatch', () => {
  it('accepts a change to a source file and an empty patch', () => {
    expect(checkPatch(modify('src/queue.js'), rules).ok).toBe(true);
    expect(checkPatch('', rules).ok).toBe(true);
  });

  it.each([
    ['a test file of the dataset', modify('test/queue.test.js'), /test file test\/queue\.test\.js/],
    ['a listed test helper', modify('spec-helpers.js'), /test file spec-helpers\.js/],
    ['a test file by name', modify('src/other.spec.ts'), /test file by its name/],
    ['a parent directory', modify('../x.js'), /outside the repository/],
    ['a nested parent directory', modify('src/../../x.js'), /outside the repository/],
    ['an absolute path', modify('etc/passwd', '/etc/passwd', '/etc/passwd'), /outside the repository/],
    ['the harness directory', modify('.swe-flow/results.json'), /harness protects/],
    ['git metadata', modify('.git/config'), /harness protects/],
    ['installed dependencies', modify('node_modules/vitest/index.js'), /harness protects/],
    ['the manifest', modify('package.json'), /harness protects/],
    ['the runner config', modify('vitest.config.ts'), /runner configuration/],
    ['a symlink out of the repo', 'diff --git a/src/l b/src/l\nnew file mode 120000\n--- /dev/null\n+++ b/src/l\n@@ -0,0 +1 @@\n+../../secret\n', /symlink src\/l pointing outside/],
    ['an absolute symlink', 'diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc/passwd\n', /symlink l pointing outside/],
    ['text that is not a diff', 'please fix the bug\n', /not a unified diff/],
  ])('rejects %s', (_name, patch, reason) => {
    const v = checkPatch(patch, rules);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });

  it('accepts a symlink that stays inside', () => {
    const link = 'diff --git a/src/l b/src/l\nnew file mode 120000\n--- /dev/null\n+++ b/src/l\n@@ -0,0 +1 @@\n+../lib/x.js\n';
    expect(checkPatch(link, rules).ok).toBe(true);
  });

  it('property: a path is rejected exactly when a component is ".." (for plain safe segments)', () => {
    const seg = fc.oneof(fc.constantFrom('..', '.', 'src', 'lib', 'a-b', 'x_y'), fc.stringMatching(/^[a-z]{1,6}$/));
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 6 }), (segs) => {
        const file = [...segs, 'mod.js'].join('/');
        const v = checkPatch(modify(file), { testFiles: [] });
        const escapes = segs.includes('..');
        return escapes ? !v.ok && /outside the repository/.test(v.reason) : v.ok || !/outside/.test(v.reason);
      }),
    );
  });
});

describe('helpers', () => {
  it('symlinkStaysInside resolves relative to the link', () => {
    expect(symlinkStaysInside('a/b/l', '../c')).toBe(true);
    expect(symlinkStaysInside('a/l', '../../c')).toBe(false);
    expect(symlinkStaysInside('l', '.')).toBe(false);
  });
  it('protectedReason leaves ordinary sources alone', () => {
    expect(protectedReason('src/config.ts', { testFiles: [] })).toBeUndefined();
    expect(protectedReason('src/testing-utils.ts', { testFiles: [] })).toBeUndefined();
  });
});
