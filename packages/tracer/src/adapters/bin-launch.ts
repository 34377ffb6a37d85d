/**
 * Starting a runner from its own package.json `bin`, resolved where the command runs (the repository,
 * a task checkout, a container), never from a fixed path inside the runner's package: `node -e
 * <launcher> <package> <bin name> ...runner args`. The launcher finds the package the way Node would
 * from the working directory, reads its `bin`, sets `process.argv` as the bin expects and loads it
 * (require, or import for an ES module bin). A runner that is not installed exits 127 with a message
 * that says so.
 */
import path from 'node:path';

const LAUNCHER = `
const path = require('node:path');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');
const [, pkg, name, ...rest] = process.argv;
const dirs = createRequire(path.join(process.cwd(), 'sweflow-launch.js')).resolve.paths(pkg) || [];
const dir = dirs.map((d) => path.join(d, pkg)).find((d) => fs.existsSync(path.join(d, 'package.json')));
if (!dir) {
  console.error('swe-flow: the test runner package "' + pkg + '" is not installed here (' + process.cwd() + '); install the repository\\'s dependencies');
  process.exit(127);
}
const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const bin = typeof pj.bin === 'string' ? pj.bin : pj.bin && (pj.bin[name] || Object.values(pj.bin)[0]);
if (!bin) {
  console.error('swe-flow: ' + pkg + '@' + pj.version + ' declares no "bin" in its package.json');
  process.exit(127);
}
const file = path.resolve(dir, bin);
process.argv = [process.argv[0], file, ...rest];
try {
  require(file);
} catch (error) {
  if (!error || (error.code !== 'ERR_REQUIRE_ESM' && error.code !== 'ERR_REQUIRE_ASYNC_MODULE')) throw error;
  import(pathToFileURL(file).href).catch((e) => { console.error(e); process.exit(1); });
}
`;

/** Node arguments that run `pkg`'s `bin` (the entry named `binName`, or its only one) with `args`. */
export function binLaunchArgs(pkg: string, binName: string, args: readonly string[]): string[] {
  return ['-e', LAUNCHER, pkg, binName, ...args];
}

/** Prints the absolute path of `pkg`'s `bin` entry (argv: package, bin name), resolved from the working directory. */
const BIN_PATH = LAUNCHER.slice(0, LAUNCHER.indexOf('process.argv = ')).replace('const [, pkg, name, ...rest] = process.argv;', 'const [, pkg, name] = process.argv;') + 'process.stdout.write(file);\n';

/** Prints the installed version of a package (argv: package), resolved from the working directory as the launcher does. */
export const PACKAGE_VERSION_SCRIPT = LAUNCHER.slice(0, LAUNCHER.indexOf('const bin = ')).replace('const [, pkg, name, ...rest] = process.argv;', 'const [, pkg] = process.argv;') + 'process.stdout.write(String(pj.version));\n';

/**
 * A command that runs `pkg`'s `bin` as Node's main script, `node <nodeArgs> <bin> <args>`, for runners
 * that look at how their process was started (node-tap treats a `node -e` process as a test of its
 * own; uvu 0.3 decides whether its CLI runs it from `process.argv` as it loads); with `resultFile`, the
 * runner's stdout goes there. The bin's path is spliced in after the node arguments by position.
 */
export function binScriptCommand(pkg: string, binName: string, args: readonly string[], options: { resultFile?: string; redirectStdout?: boolean; nodeArgs?: readonly string[] } = {}): { command: string; args: string[] } {
  const resultFile = options.resultFile ?? '';
  const dir = resultFile ? path.posix.dirname(resultFile.split(path.sep).join('/')) : '.';
  const nodeArgs = options.nodeArgs ?? [];
  const splice = 'i=0; for a do if [ "$i" -eq "$k" ]; then set -- "$@" "$bin"; fi; set -- "$@" "$a"; shift; i=$((i+1)); done; if [ "$i" -eq "$k" ]; then set -- "$@" "$bin"; fi';
  const run = options.redirectStdout && resultFile ? 'exec node "$@" > "$out"' : 'exec node "$@"';
  const script = `mkdir -p -- "$1" && out=$2 && bin=$(node -e "$3" "$4" "$5") && k=$6 && shift 6 && { ${splice}; } && ${run}`;
  return { command: 'sh', args: ['-c', script, 'sweflow-run', dir, resultFile, BIN_PATH, pkg, binName, String(nodeArgs.length), ...nodeArgs, ...args] };
}
