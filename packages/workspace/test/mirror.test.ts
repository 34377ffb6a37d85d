import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { materializeSource, normalizeGitUrl, parseMirrorPairs, readMirrorFile, resolveMirror } from '../src/index.js';

const tmp = (p: string) => mkdtemp(path.join(os.tmpdir(), `swf-mirror-${p}-`));
const gitc = ['-c', 'user.name=t', '-c', 'user.email=t@t'];

/** A real bare repository with two commits, as a snapshot of `owner/name` would be. */
async function bareSnapshot(): Promise<{ bare: string; first: string; second: string }> {
  const work = await tmp('work');
  await writeFile(path.join(work, 'package.json'), '{"name":"mirrored"}');
  await writeFile(path.join(work, 'a.txt'), 'one');
  await execa('git', ['init', '-q'], { cwd: work });
  await execa('git', ['add', '-A'], { cwd: work });
  await execa('git', [...gitc, 'commit', '-qm', 'one'], { cwd: work });
  const first = (await execa('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout;
  await writeFile(path.join(work, 'a.txt'), 'two');
  await execa('git', [...gitc, 'commit', '-qam', 'two'], { cwd: work });
  const second = (await execa('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout;
  const root = await tmp('mirrors');
  const bare = path.join(root, 'acme+widget', 'repo');
  await mkdir(path.dirname(bare), { recursive: true });
  await execa('git', ['clone', '-q', '--bare', work, bare]);
  return { bare, first, second };
}

/** Deletes the loose object of `a.txt` at HEAD from a bare snapshot, as an interrupted copy would leave it. */
async function dropBlob(bare: string): Promise<string> {
  const blob = (await execa('git', ['rev-parse', 'HEAD:a.txt'], { cwd: bare })).stdout;
  await rm(path.join(bare, 'objects', blob.slice(0, 2), blob.slice(2)));
  return blob;
}

describe('mirrors', () => {
  it('clones a URL that does not resolve from its local bare snapshot, at a ref, with origin set to the URL', async () => {
    const { bare, first } = await bareSnapshot();
    const url = 'https://git.invalid/acme/widget.git';
    const dest = path.join(await tmp('dest'), 'copy');
    const info = await materializeSource(url, dest, { ref: first, mirrors: { 'https://git.invalid/acme/widget': bare } });
    expect(info).toMatchObject({ kind: 'url', commit: first, name: 'acme/widget', mirror: bare });
    expect(await readFile(path.join(dest, 'a.txt'), 'utf8')).toBe('one');
    expect((await execa('git', ['remote', 'get-url', 'origin'], { cwd: dest })).stdout).toBe(url);
    // Without the mirror the same URL cannot be cloned: the mirror is what made it work.
    await expect(materializeSource(url, path.join(await tmp('net'), 'c'))).rejects.toMatchObject({ code: ErrorCodes.NOT_A_REPO });
  });

  it('calls a snapshot that lacks a blob incomplete, with git\'s words and what to do, not a wrong URL', async () => {
    const { bare } = await bareSnapshot();
    const blob = await dropBlob(bare);
    const url = 'https://git.invalid/acme/widget';
    const viaMirror = await materializeSource(url, path.join(await tmp('inc'), 'c'), { mirrors: { [url]: bare } }).catch((e: unknown) => e);
    expect(viaMirror).toMatchObject({ code: ErrorCodes.SOURCE_INCOMPLETE, details: { mirror: bare, missing: [`a.txt (${blob})`] } });
    const message = (viaMirror as Error).message;
    expect(message).toContain(`the local snapshot ${bare} of ${url} lacks git objects the checkout needs (a.txt (${blob}))`);
    expect(message).toContain(`git -C ${bare} fetch --refetch`);
    expect(message).toMatch(/git said: error: unable to read sha1 file of a\.txt/);
    expect(message).not.toContain('check the URL');
    // The same snapshot served as a remote (file://): git's other words, the remote's advice.
    const viaRemote = await materializeSource(`file://${bare}`, path.join(await tmp('inc'), 'c')).catch((e: unknown) => e);
    expect(viaRemote).toMatchObject({ code: ErrorCodes.SOURCE_INCOMPLETE });
    expect((viaRemote as Error).message).toMatch(/sent a repository that lacks git objects: the remote side is incomplete .*git said: .*unable to read/s);
  });

  it('stops at a ref whose tree the snapshot lacks a blob of, although git exits 0 without the file', async () => {
    const { bare, second } = await bareSnapshot();
    const blob = await dropBlob(bare);
    const url = 'https://git.invalid/acme/widget';
    const atRef = await materializeSource(url, path.join(await tmp('refinc'), 'c'), { ref: second, mirrors: { [url]: bare } }).catch((e: unknown) => e);
    expect(atRef).toMatchObject({ code: ErrorCodes.SOURCE_INCOMPLETE, details: { mirror: bare, missing: [`a.txt (${blob})`] } });
  });

  it('checks out a ref whose tree the snapshot holds, though a blob of HEAD is missing', async () => {
    const { bare, first } = await bareSnapshot();
    await dropBlob(bare);
    const url = 'https://git.invalid/acme/widget';
    const dest = path.join(await tmp('ref'), 'c');
    const info = await materializeSource(url, dest, { ref: first, mirrors: { [url]: bare } });
    expect(info.commit).toBe(first);
    expect(await readFile(path.join(dest, 'a.txt'), 'utf8')).toBe('one');
  });

  it('finds a snapshot in a mirror folder by owner+name, and falls back to the network for others', async () => {
    const { bare, second } = await bareSnapshot();
    const mirrorDir = path.dirname(path.dirname(bare));
    expect(await resolveMirror('git@github.com:acme/widget.git', { mirrorDir })).toBe(bare);
    expect(await resolveMirror('https://github.com/acme/other', { mirrorDir })).toBeUndefined();
    const info = await materializeSource('https://github.com/acme/widget', path.join(await tmp('d'), 'c'), { mirrorDir });
    expect(info.commit).toBe(second);
  });

  it('reads URL=PATH pairs and map files, and rejects a mirror that is not a git repository', async () => {
    expect(parseMirrorPairs(['https://h/a/b=/m/a'])).toEqual({ 'https://h/a/b': '/m/a' });
    expect(() => parseMirrorPairs(['nothing'])).toThrow(/URL=PATH/);
    expect(normalizeGitUrl('git@GitHub.com:A/B.git')).toBe(normalizeGitUrl('https://github.com/a/b/'));
    const dir = await tmp('map');
    await writeFile(path.join(dir, 'map.json'), JSON.stringify({ mirrors: { 'https://h/a/b': 'snap' } }));
    expect(await readMirrorFile(path.join(dir, 'map.json'))).toEqual({ 'https://h/a/b': path.join(dir, 'snap') });
    await expect(resolveMirror('https://h/a/b', { mirrors: { 'https://h/a/b': dir } })).rejects.toMatchObject({ code: ErrorCodes.CONFIG_INVALID });
  });
});
