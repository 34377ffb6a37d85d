import { describe, expect, it } from 'vitest';
import type { PlainRunContext } from '../adapter.js';
import { withRunnerArgs } from './runner-kit.js';

describe('withRunnerArgs', () => {
  const adapter = { name: 'mocha', plainCommand: (ctx: PlainRunContext) => ({ command: 'mocha', args: ['--reporter', 'x', ...ctx.selection.files] }) };
  const ctx: PlainRunContext = { resultFile: 'r.json', selection: { files: ['test/a.js'], testIds: [] } };

  it('adds the test script\'s runner options after every plain command\'s own arguments', () => {
    const wrapped = withRunnerArgs(adapter, ['--ui', 'tdd', '-r', './test/setup.js']);
    expect(wrapped.plainCommand(ctx)).toEqual({ command: 'mocha', args: ['--reporter', 'x', 'test/a.js', '--ui', 'tdd', '-r', './test/setup.js'] });
    expect(wrapped.name).toBe('mocha');
  });

  it('leaves the adapter as it is without options', () => {
    expect(withRunnerArgs(adapter, [])).toBe(adapter);
  });
});
