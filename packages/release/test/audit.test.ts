import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { collectAudits } from '../src/audit.js';
import type { RepoResult } from '../src/build-repo.js';

describe('collectAudits', () => {
  it('a synth audit.json that is not JSON is a SWEFLOW_INPUT_INVALID naming the file and what to do', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-release-audit-'));
    await mkdir(path.join(dir, 'repos/a/synth'), { recursive: true });
    await writeFile(path.join(dir, 'repos/a/synth/audit.json'), '{"runtime": "local", "tasks": [');
    const repo = { name: 'o/a', status: 'ok', synthDir: 'repos/a/synth' } as RepoResult;
    const error = await collectAudits(dir, [repo]).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.INPUT_INVALID });
    expect((error as Error).message).toContain(path.join(dir, 'repos/a/synth/audit.json'));
    expect((error as Error).message).toContain('run swe-flow audit');
  });
});
