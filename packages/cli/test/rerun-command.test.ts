import { describe, expect, it } from 'vitest';
import { rerunCommand } from '../src/shutdown.js';

describe('the command that continues a stopped run', () => {
  it('keeps every option the user gave, drops --force, adds --resume once, and quotes what a shell would split', () => {
    const argv = ['synth', '/repos/my lib', '--out', 'out', '--max-steps', '3', '--force', '--exclude-test', "/it's slow/", '--config', 'swe.json'];
    expect(rerunCommand(['--resume'], argv)).toBe("swe-flow synth '/repos/my lib' --out out --max-steps 3 --exclude-test '/it'\\''s slow/' --config swe.json --resume");
    expect(rerunCommand(['--resume'], ['synth', 'r', '--out', 'o', '--resume'])).toBe('swe-flow synth r --out o --resume');
    expect(rerunCommand([], ['release', 'build', 'm.json', '--out', 'rel', '--version', '1.0.0', '--workers', '2'])).toBe('swe-flow release build m.json --out rel --version 1.0.0 --workers 2');
  });
});
