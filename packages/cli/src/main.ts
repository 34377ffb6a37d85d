import { createRequire } from 'node:module';
import { cac } from 'cac';
import { commonOptions, synthOptions, type OptionSpec } from './options.js';
import { checkNegativeValues, checkPositionals, fromCacError, type CommandShape } from './usage.js';
import { rememberCommandLine } from './shutdown.js';

const require = createRequire(import.meta.url);
const { version } = require('../package.json') as { version: string };

export type Flags = Record<string, unknown> & { json?: boolean; quiet?: boolean; verbose?: boolean };
export type CommandModule = { run(args: string[], flags: Flags): Promise<number> };

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Loaded only when the command runs, so `--help` stays instant. */
  load: () => Promise<CommandModule>;
  /** Runs user code or writes temp folders: the temp folder is probed first. */
  needsTemp?: boolean;
}

const outOption = synthOptions.filter((o) => /--(out|resume|force|config)\b/.test(o.flags));

export const commands: CommandSpec[] = [
  { name: 'synth <repo>', description: 'Synthesize a verified dataset from a repository (path or git URL)', options: synthOptions, load: () => import('./commands/synth.js'), needsTemp: true },
  { name: 'trace <repo>', description: 'Prepare the repository and trace its test suite into <out>/trace.json', options: synthOptions, load: () => import('./commands/stage.js').then((m) => m.stage('trace')), needsTemp: true },
  { name: 'schedule', description: 'Build the RDG and the schedule from a trace (--trace FILE --out DIR)', options: [{ flags: '--trace <file>', description: 'trace.json to read' }, ...outOption, { flags: '--order <order>', description: 'dependency | paper' }, { flags: '--max-functions-per-step <n>', description: 'Skip steps developing more functions' }], load: () => import('./commands/schedule.js') },
  { name: 'emit <repo>', description: 'Run up to task emission (trace, schedule, emit), resuming in --out', options: synthOptions, load: () => import('./commands/stage.js').then((m) => m.stage('emit')), needsTemp: true },
  { name: 'verify <repo>', description: 'Run up to verification, resuming in --out', options: synthOptions, load: () => import('./commands/stage.js').then((m) => m.stage('verify')), needsTemp: true },
  { name: 'docker <action> [dir]', description: 'Environment images: bootstrap (offline base) | build <out> | prune', options: [{ flags: '--node-version <v>', description: 'Node version' }, { flags: '--base <kind>', description: 'offline | online' }, { flags: '--dir <out>', description: 'A synth output directory (for build)' }, { flags: '--tier <tiers>', description: 'prune only these tiers: instance, env, base, workspace (comma-separated)' }, { flags: '--dry-run', description: 'prune: list what would be removed' }], load: () => import('./commands/docker.js') },
  { name: 'audit [out]', description: "Search every task's environment (its instance image, or locally its /testbed and node_modules) for its solution", options: [{ flags: '--runtime <name>', description: 'docker | local (default docker when the rows name instance images)' }, { flags: '--min-tokens <n>', description: 'Bodies shorter than this many tokens are not searched for (default 12)' }], load: () => import('./commands/audit.js') },
  { name: 'doctor', description: 'Check Node, git, package managers, the Docker engine and base images', options: [], load: () => import('./commands/doctor.js') },
  { name: 'eval', description: 'Grade SWE-bench predictions on a dataset: --dataset <dir|jsonl> --predictions <jsonl|gold|empty>', options: [{ flags: '--dataset <path>', description: 'A synth output directory or its dataset.jsonl' }, { flags: '--predictions <spec>', description: 'SWE-bench predictions (JSONL or JSON array), gold or empty' }, { flags: '--runtime <name>', description: 'docker (default when an engine answers) | local (runs the predictions\' code on this machine)' }, { flags: '--workers <n>', description: 'Instances graded in parallel' }, { flags: '--run-id <id>', description: 'Reports in <out>/<run-id>/; a rerun grades only changed patches' }, { flags: '--instances <ids>', description: 'Only these instance ids (comma-separated)' }, { flags: '--out <dir>', description: 'Report directory (default <dataset>/evaluation)' }, { flags: '--timeout <ms>', description: 'Limit for one test run (default 300000)' }, { flags: '--image <tag>', description: 'Environment image instead of the rows\' (docker)' }, { flags: '--queue <url>', description: 'Run the jobs on queue workers: redis://HOST:PORT[/DB]' }, { flags: '--store <dir>', description: 'Shared artifact folder every worker mounts (with --queue)' }, { flags: '--queue-prefix <p>', description: 'Redis key prefix (default swe-flow)' }], load: () => import('./commands/eval.js'), needsTemp: true },
  { name: 'view <dir>', description: 'A browsable static report of a synth, release or eval output folder', options: [{ flags: '--out <dir>', description: 'Where the site goes (default <dir>/site)' }, { flags: '--serve', description: 'Also serve it on 127.0.0.1' }, { flags: '--port <n>', description: 'Port for --serve (default: a free one)' }], load: () => import('./commands/view.js') },
  { name: 'release <action> [...paths]', description: 'Dataset releases: build <manifest> --out DIR --version V | verify <dir> | diff <a> <b>', options: [{ flags: '--out <dir>', description: 'Release folder (build)' }, { flags: '--release-version <v>', description: 'The release\'s version (build; --version works too)' }, { flags: '--workers <n>', description: 'Repositories built at once (default 1)' }, { flags: '--previous <dir>', description: 'Earlier release whose splits are kept (default: the one in --out)' }, { flags: '--retry-failed', description: 'Build again repositories whose last build failed' }, { flags: '--queue <url>', description: 'Run the jobs on queue workers: redis://HOST:PORT[/DB]' }, { flags: '--store <dir>', description: 'Shared artifact folder every worker mounts (with --queue)' }, { flags: '--queue-prefix <p>', description: 'Redis key prefix (default swe-flow)' }], load: () => import('./commands/release.js') },
  { name: 'worker', description: 'Take release and eval jobs from a queue: --queue redis://HOST:PORT[/DB]', options: [{ flags: '--queue <url>', description: 'Run the jobs on queue workers: redis://HOST:PORT[/DB]' }, { flags: '--store <dir>', description: 'Shared artifact folder every worker mounts (with --queue)' }, { flags: '--queue-prefix <p>', description: 'Redis key prefix (default swe-flow)' }, { flags: '--concurrency <n>', description: 'Jobs at once (default 1)' }, { flags: '--lock-duration <ms>', description: 'A dead worker\'s job is taken over after this (default 60000)' }], load: () => import('./commands/worker.js') },
  { name: 'queue <action>', description: 'Queue operations: status | drain | retry-failed (--queue URL)', options: [{ flags: '--queue <url>', description: 'Run the jobs on queue workers: redis://HOST:PORT[/DB]' }, { flags: '--store <dir>', description: 'Shared artifact folder every worker mounts (with --queue)' }, { flags: '--queue-prefix <p>', description: 'Redis key prefix (default swe-flow)' }], load: () => import('./commands/queue.js') },
];

/** Registers an extra command module (the eval package adds `eval`). */
export function addCommand(spec: CommandSpec): void {
  commands.push(spec);
}

const shapeOf = (spec: CommandSpec): CommandShape => ({ name: spec.name, flags: [...spec.options, ...commonOptions].map((o) => o.flags) });

async function report(error: unknown, flags: Flags): Promise<number> {
  const { reportError } = await import('./report-error.js');
  return reportError(error, flags);
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const cli = cac('swe-flow');
  let exitCode: number | undefined;
  let running: Promise<number> | undefined;
  const specOf = new Map<unknown, CommandSpec>();
  for (const spec of commands) {
    const cmd = cli.command(spec.name, spec.description);
    specOf.set(cmd, spec);
    for (const option of [...spec.options, ...commonOptions]) cmd.option(option.flags, option.description);
    // cac gives `--no-x` a default of true and prints "(default: true)" beside "Do not …"; toConfig reads only the given form.
    for (const option of cmd.options) if (option.negated) option.config.default = undefined;
    cmd.action((...args: unknown[]) => {
      const flags = args.pop() as Flags;
      running = (spec.needsTemp ? import('./preflight.js').then((m) => m.checkTempDir()) : Promise.resolve())
        .then(() => spec.load())
        .then((m) => m.run(args.flat().filter((a): a is string => typeof a === 'string'), flags));
    });
  }
  cli.help();
  cli.version(version);
  rememberCommandLine(argv.slice(2));
  // `release build --version V` names the release's version; cac keeps `--version` for swe-flow's own.
  if (argv[2] === 'release') argv = argv.map((a) => (a === '--version' ? '--release-version' : a.startsWith('--version=') ? `--release-version=${a.slice(10)}` : a));
  try {
    cli.parse(argv, { run: false });
  } catch (error) {
    process.stderr.write(`swe-flow: ${(error as Error).message}\nRun \`swe-flow --help\` for usage.\n`);
    return 2;
  }
  if (cli.options.help || (cli.options.version && !cli.matchedCommand)) return 0;
  if (!cli.matchedCommand) {
    if (cli.args.length > 0) {
      process.stderr.write(`swe-flow: unknown command "${cli.args[0]}". Run \`swe-flow --help\` for the commands.\n`);
      return 2;
    }
    cli.outputHelp();
    return 0;
  }
  const spec = specOf.get(cli.matchedCommand);
  const shape = spec ? shapeOf(spec) : undefined;
  try {
    if (shape) {
      checkNegativeValues(shape, argv.slice(2));
      checkPositionals(shape, cli.args);
    }
    await cli.runMatchedCommand();
    exitCode = await running;
  } catch (error) {
    // A signal's shutdown is under way: its handler reports and exits; the error is its consequence.
    const { isShuttingDown } = await import('@swe-flow/runtime');
    if (isShuttingDown()) await new Promise(() => {});
    exitCode = await report(fromCacError(error, shape), cli.options as Flags);
  }
  return exitCode ?? 0;
}
