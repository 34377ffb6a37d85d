import { describe, expect, it } from 'vitest';
import type { RepoFacts } from '../adapter.js';
import { detectAva } from './ava.js';
import { detectJasmine } from './jasmine.js';
import { detectJest } from './jest.js';
import { detectMocha } from './mocha.js';
import { detectNodeTest } from './node-test.js';
import { detectTap } from './tap.js';
import { detectTape } from './tape.js';
import { detectUvu } from './uvu.js';

const facts = (packageJson: Record<string, unknown>, files: string[] = []): RepoFacts => ({ root: '/nonexistent', packageJson, files: ['package.json', ...files] });

/** The scores of the shared detection scale (`DETECTION` in adapter.ts), pinned per adapter. */
describe('runner detection scores', () => {
  it('weighs a dependency, a config and a script the same way in every adapter', () => {
    const full = (runner: string, configFile: string) => facts({ scripts: { test: `${runner} test` }, devDependencies: { [runner]: '1.0.0' } }, [configFile]);
    expect(detectJest(full('jest', 'jest.config.js'))).toBe(0.6 + 0.3 + 0.1);
    expect(detectMocha(full('mocha', '.mocharc.json'))).toBe(0.6 + 0.3 + 0.1);
    expect(detectAva(full('ava', 'ava.config.js'))).toBe(0.6 + 0.3 + 0.1);
    expect(detectJasmine(full('jasmine', 'spec/support/jasmine.json'))).toBe(0.6 + 0.3 + 0.1);
    expect(detectJest(facts({ devDependencies: { jest: '1.0.0' } }))).toBe(0.6);
    expect(detectMocha(facts({ scripts: { test: 'mocha' } }))).toBe(0.3 + 0.1);
    expect(detectAva(facts({ scripts: { test: 'ava' }, ava: {} }))).toBe(0.3 + 0.3 + 0.1);
    expect(detectJasmine(facts({ scripts: { test: 'jasmine' } }))).toBe(0.3 + 0.1);
  });

  it('counts the test script calling tape, uvu or tap as a config, and tap\'s own config as a script', () => {
    expect(detectTape(facts({ scripts: { test: 'tape test/*.js' }, devDependencies: { tape: '5.0.0' } }))).toBe(0.6 + 0.3);
    expect(detectUvu(facts({ scripts: { test: 'uvu test' } }))).toBe(0.3 + 0.3);
    expect(detectTap(facts({ scripts: { test: 'tap' }, devDependencies: { tap: '21.0.0' } }))).toBe(0.6 + 0.3);
    expect(detectTap(facts({ scripts: { lint: 'tap --help' }, devDependencies: { tap: '21.0.0' } }, ['.taprc']))).toBe(0.6 + 0.1);
  });

  it('scores node:test by where `node --test` is', () => {
    expect(detectNodeTest(facts({ scripts: { test: 'node --test' } }))).toBe(0.9);
    expect(detectNodeTest(facts({ scripts: { test: 'echo', unit: 'node --test test/' } }))).toBe(0.7);
    expect(detectNodeTest(facts({ scripts: { test: 'jest' } }))).toBe(0);
  });
});
