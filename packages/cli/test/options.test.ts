import { describe, expect, it } from 'vitest';
import { parseSynthConfig } from '@swe-flow/core';
import { synthOptions, toConfig } from '../src/options.js';

describe('CLI flags → synthesis config', () => {
  it('maps flags onto validated config keys, nested ones included', () => {
    const config = toConfig(synthOptions, { mode: 'both', workers: '2', plainRuns: true, docstrings: true, llmModel: 'm', allowScripts: 'esbuild,sharp', out: '/x' });
    expect(config).toEqual({ modes: ['isolated', 'incremental'], workers: 2, warmSessions: false, allowScripts: ['esbuild', 'sharp'], statements: { docstrings: true, model: 'm' } });
    const parsed = parseSynthConfig(config);
    expect(parsed.ok && parsed.config.warmSessions).toBe(false);
  });
  it('leaves unset flags to the schema defaults', () => {
    const parsed = parseSynthConfig(toConfig(synthOptions, {}));
    expect(parsed.ok && [parsed.config.warmSessions, parsed.config.modes, parsed.config.runtime]).toEqual([true, ['isolated'], 'local']);
  });
  it('turns repeated --mirror URL=PATH flags and --mirror-dir into the mirrors config', () => {
    const config = toConfig(synthOptions, { mirror: ['https://h/a/b=/m/a', 'https://h/c/d=/m/c'], mirrorDir: '/m' });
    expect(config).toEqual({ mirrors: { 'https://h/a/b': '/m/a', 'https://h/c/d': '/m/c' }, mirrorDir: '/m' });
    expect(parseSynthConfig(config).ok).toBe(true);
    expect(() => toConfig(synthOptions, { mirror: 'no-equals-sign' })).toThrow(/URL=PATH/);
  });
  it('maps --no-audit (cac: audit false) and leaves a config file its say when the flag is absent (cac: audit true)', () => {
    expect(toConfig(synthOptions, { audit: false, leaks: 'reject', auditMinTokens: '20' })).toEqual({ audit: false, leaks: 'reject', auditMinTokens: 20 });
    expect(toConfig(synthOptions, { audit: true })).toEqual({});
  });
});

describe('swe-flow synth --help', () => {
  it('prints "Do not …" options without a "(default: true)" that reads as the opposite', async () => {
    const { execa } = await import('execa');
    const { BIN, REPO_ROOT } = await import('./helpers.js');
    const { stdout } = await execa('node', [BIN, 'synth', '--help'], { cwd: REPO_ROOT });
    const line = stdout.split('\n').find((l) => l.includes('--no-audit'));
    expect(line).toContain('Do not search');
    expect(line).not.toContain('default');
  });
});
