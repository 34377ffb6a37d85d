import type { CommandModule } from '../main.js';
import { runSynthesis } from './synth.js';

/** `trace`, `emit`, `verify`: the synthesis run up to that stage, resuming finished stages in --out. */
export function stage(name: 'trace' | 'emit' | 'verify'): CommandModule {
  return { run: (args, flags) => runSynthesis(args, { ...flags, resume: flags.force ? false : true }, name) };
}
