import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listRepoFiles } from './files.js';

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
const NOT_CODE = /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?)$|\.(md|markdown|txt|lock|log|png|jpe?g|gif|svg|ico|woff2?|ttf|eot|zip|gz|tgz|wasm|map)$/i;
const MAX_BYTES = 2 * 1024 * 1024;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Per package, the files that name it as a module (`'pkg'`, `"pkg/sub"`, `` `pkg` ``): imports, requires,
 * and configs that load it by name (presets, plugins). A dependency named by none of them is not needed
 * to run the tests. One walk of the repository, each file read once, for all the packages.
 */
export async function filesNaming(root: string, pkgs: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map(pkgs.map((pkg) => [pkg, [] as string[]]));
  if (out.size === 0) return out;
  const patterns = [...out.keys()].map((pkg) => [pkg, new RegExp(`['"\`]${escape(pkg)}(?:/[^'"\`]*)?['"\`]`)] as const);
  for (const file of await listRepoFiles(root)) {
    if (NOT_CODE.test(file)) continue;
    const abs = path.join(root, file);
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile() || st.size > MAX_BYTES) continue;
    const text = await readFile(abs, 'utf8');
    for (const [pkg, re] of patterns) if (re.test(text)) out.get(pkg)!.push(file);
  }
  return out;
}

/**
 * Files around the code that a test run does not load: benchmarks, demos, examples, docs sites.
 * A dependency named only by them (nanoid's `nope-id`, imported by `test/benchmark.js` alone) is not
 * needed by the tests.
 */
const TOOLING_FILE = /(^|\/)(benchmarks?|bench|demos?|examples?|docs?|website|site)\/|(^|\/)[^/]*bench(mark)?s?[^/]*\.[cm]?[jt]sx?$|(^|\/)\.size-limit\.[^/]+$/i;

export function isToolingFile(file: string): boolean {
  return TOOLING_FILE.test(file);
}

/** Dependencies declared as git URLs, GitHub shorthands (`user/repo`) or tarball URLs (from outside the registry), in the given package.json files. */
export async function gitDependencies(root: string, manifests: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const m of manifests) {
    const pkg = JSON.parse(await readFile(path.join(root, m), 'utf8').catch(() => '{}')) as Record<string, unknown>;
    for (const field of DEP_FIELDS) {
      for (const [name, spec] of Object.entries((pkg[field] as Record<string, unknown> | undefined) ?? {})) {
        if (typeof spec === 'string' && /^(git\+|git:|github:|gitlab:|bitbucket:|https?:\/\/|[\w.-]+\/[\w.-]+(#.*)?$)/.test(spec)) out.add(name);
      }
    }
  }
  return [...out];
}

/** Removes `names` from every dependency field of the given package.json files (of the working copy only). Returns the names removed. */
export async function dropDependencies(root: string, manifests: string[], names: string[]): Promise<string[]> {
  const removed = new Set<string>();
  for (const m of manifests) {
    const file = path.join(root, m);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const pkg = JSON.parse(text) as Record<string, Record<string, unknown> | undefined>;
    let changed = false;
    for (const field of DEP_FIELDS) {
      for (const name of names) {
        if (pkg[field] && name in pkg[field]) {
          delete pkg[field][name];
          removed.add(name);
          changed = true;
        }
      }
    }
    if (changed) await writeFile(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  return [...removed];
}

/** Points every dependency on `name` written as dist-tag `tag` at `latest` instead. Returns whether any changed. */
export async function retagDependency(root: string, manifests: string[], name: string, tag: string): Promise<boolean> {
  let any = false;
  for (const m of manifests) {
    const file = path.join(root, m);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const pkg = JSON.parse(text) as Record<string, Record<string, unknown> | undefined>;
    let changed = false;
    for (const field of DEP_FIELDS) {
      if (pkg[field]?.[name] === tag) {
        pkg[field][name] = 'latest';
        changed = true;
      }
    }
    if (changed) await writeFile(file, `${JSON.stringify(pkg, null, 2)}\n`);
    any ||= changed;
  }
  return any;
}
