/**
 * Usage mistakes on the command line, caught before a command runs and reported as `SWEFLOW_USAGE`
 * (exit 2) with what to type instead: cac's own parse errors, negative numbers given as separate
 * arguments, and extra positional arguments.
 */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** The long option names (`--out`) a command accepts, and which of them take a value. */
export interface CommandShape {
  /** cac's command name with its arguments, e.g. `synth <repo>`. */
  name: string;
  flags: readonly string[];
}

const commandWord = (shape: CommandShape) => shape.name.split(' ')[0] ?? shape.name;

function longNames(shape: CommandShape): { name: string; takesValue: boolean }[] {
  return shape.flags.flatMap((flags) => {
    const long = /--([a-z0-9-]+)/.exec(flags)?.[1];
    return long ? [{ name: long, takesValue: /[<[]/.test(flags) }] : [];
  });
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The closest known option to a mistyped one, when it is close. */
export function closestOption(shape: CommandShape, typed: string): string | undefined {
  const wanted = kebab(typed.replace(/^-+/, ''));
  let best: { name: string; d: number } | undefined;
  for (const { name } of longNames(shape)) {
    const d = distance(wanted, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? `--${best.name}` : undefined;
}

/**
 * `--workers -3` reads `-3` as a flag: say how to write it. Checked on the raw arguments, before
 * cac parses them, since the parse loses which option the number belonged to.
 */
export function checkNegativeValues(shape: CommandShape, args: readonly string[]): void {
  const valued = new Set(longNames(shape).filter((o) => o.takesValue).map((o) => `--${o.name}`));
  for (let i = 0; i < args.length - 1; i++) {
    const option = args[i]!;
    const value = args[i + 1]!;
    if (valued.has(option) && /^-\d/.test(value)) {
      throw new SweFlowError(
        ErrorCodes.USAGE,
        `${option} ${value}: a value that starts with '-' is read as an option; write ${option}=${value} (and check the value: ${option} takes ${describeValue(shape, option)})`,
      );
    }
  }
}

function describeValue(shape: CommandShape, option: string): string {
  const flags = shape.flags.find((f) => f.includes(`${option} `) || f.endsWith(option));
  return /<[^>]+>/.exec(flags ?? '')?.[0] ?? 'a value';
}

/** More positional arguments than the command declares. */
export function checkPositionals(shape: CommandShape, positionals: readonly string[]): void {
  const declared = shape.name.split(' ').slice(1);
  if (declared.some((a) => a.includes('...'))) return;
  if (positionals.length <= declared.length) return;
  const extra = positionals.slice(declared.length);
  const usage = `swe-flow ${shape.name}`;
  throw new SweFlowError(
    ErrorCodes.USAGE,
    `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')}: \`${usage}\` takes ${declared.length === 0 ? 'no positional argument' : declared.join(' ')}; give options with their flag (quote values with spaces), see \`swe-flow ${commandWord(shape)} --help\``,
  );
}

/** cac's own errors (an unknown option, a missing argument or value) as usage errors with advice. */
export function fromCacError(error: unknown, shape: CommandShape | undefined): unknown {
  if (!(error instanceof Error) || error.name !== 'CACError') return error;
  const help = shape ? `swe-flow ${commandWord(shape)} --help` : 'swe-flow --help';
  const unknown = /^Unknown option `(.+)`$/.exec(error.message);
  if (unknown) {
    const typed = unknown[1]!;
    const shown = typed.startsWith('--') ? `--${kebab(typed.slice(2))}` : typed;
    const near = shape && closestOption(shape, typed);
    const numeric = /^-\d/.test(typed) ? ` (a negative number given as a separate argument? write --option=${typed})` : '';
    return new SweFlowError(ErrorCodes.USAGE, `unknown option ${shown}${numeric}${near ? `; did you mean ${near}?` : ';'} run \`${help}\` for the options`, { cause: error });
  }
  const missingArgs = /^missing required args for command `(.+)`$/.exec(error.message);
  if (missingArgs) {
    const args = missingArgs[1]!.split(' ').slice(1).join(' ');
    return new SweFlowError(ErrorCodes.USAGE, `\`swe-flow ${missingArgs[1]}\` needs ${args}${args.includes('repo') ? ' (a local path or a git URL)' : ''}; see \`${help}\``, { cause: error });
  }
  const missingValue = /^option `(.+)` value is missing$/.exec(error.message);
  if (missingValue) {
    const form = missingValue[1]!.replace(/^-\w, /, '');
    return new SweFlowError(ErrorCodes.USAGE, `option ${form.split(' ')[0]} needs a value: ${form}; see \`${help}\``, { cause: error });
  }
  return new SweFlowError(ErrorCodes.USAGE, `${error.message}; see \`${help}\``, { cause: error });
}
