/** The release manifest: JSON or YAML, validated against `schema/manifest.schema.json`. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { parse as parseYaml } from 'yaml';

export const MANIFEST_SCHEMA_PATH = fileURLToPath(new URL('../schema/manifest.schema.json', import.meta.url));

export interface ManifestRepository {
  url: string;
  commit?: string;
  name?: string;
  package?: string;
  runner?: string;
  license?: string;
  config?: Record<string, unknown>;
  why?: string;
}

export interface SplitPolicy {
  test?: string[];
  testFraction?: number;
  seed?: string;
  liteMaxPerRepo?: number;
}

export interface ReleaseOptions {
  modes?: ('isolated' | 'incremental')[];
  reruns?: number;
  runtime?: 'local' | 'docker';
  statements?: 'offline' | 'llm';
  gold?: boolean;
  empty?: boolean;
  split?: SplitPolicy;
  synth?: Record<string, unknown>;
}

export interface Manifest {
  name?: string;
  description?: string;
  options?: ReleaseOptions;
  repositories: ManifestRepository[];
}

/** A manifest with every default filled in and local paths made absolute. */
export interface ResolvedManifest {
  name: string;
  description: string;
  file: string;
  options: Required<Omit<ReleaseOptions, 'split' | 'synth' | 'statements'>> & { statements: 'offline' | 'llm'; split: Required<SplitPolicy>; synth: Record<string, unknown> };
  repositories: (ManifestRepository & { source: string; name: string })[];
}

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
type Validator = ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let validator: Validator | undefined;

async function validatorOf(): Promise<Validator> {
  if (!validator) {
    const schema = JSON.parse(await readFile(MANIFEST_SCHEMA_PATH, 'utf8')) as object;
    validator = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ allErrors: true }).compile(schema);
  }
  return validator;
}

/** `owner/repo` from a git URL or a path (`https://host/owner/repo.git` → `owner/repo`). */
export function repoNameOf(url: string): string {
  const parts = url.replace(/\.git$/, '').replace(/\/+$/, '').split(/[/:]/).filter(Boolean);
  const owner = parts.at(-2) ?? 'local';
  const repo = parts.at(-1) ?? 'repo';
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^\.+/, '') || 'x';
  return `${clean(owner)}/${clean(repo)}`;
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/]+@[^/]+:/.test(s);

export function parseManifestText(text: string, file: string): Manifest {
  try {
    return (/\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)) as Manifest;
  } catch (error) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
}

export async function loadManifest(file: string): Promise<ResolvedManifest> {
  const abs = path.resolve(file);
  const text = await readFile(abs, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new SweFlowError(ErrorCodes.PATH_MISSING, `cannot read the manifest ${abs} (${error.code ?? error.message})`);
  });
  return resolveManifest(parseManifestText(text, abs), abs);
}

export async function resolveManifest(manifest: Manifest, file: string): Promise<ResolvedManifest> {
  const validate = await validatorOf();
  if (!validate(manifest)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}`);
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} is not a valid release manifest (schema: ${MANIFEST_SCHEMA_PATH}):\n  ${problems.join('\n  ')}`);
  }
  const name = manifest.name ?? path.basename(file).replace(/\.(json|ya?ml)$/i, '');
  const o = manifest.options ?? {};
  const repositories = manifest.repositories.map((r) => ({
    ...r,
    source: isUrl(r.url) ? r.url : path.resolve(path.dirname(file), r.url),
    name: r.name ?? repoNameOf(r.url),
  }));
  const seen = new Map<string, string>();
  for (const r of repositories) {
    const key = `${r.source}#${r.commit ?? ''}#${r.package ?? ''}`;
    if (seen.has(key)) throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file}: ${r.url}${r.package ? ` (${r.package})` : ''} is listed twice; keep one entry`);
    seen.set(key, r.name);
  }
  return {
    name,
    description: manifest.description ?? '',
    file,
    options: {
      modes: o.modes ?? ['isolated'],
      reruns: o.reruns ?? 3,
      runtime: o.runtime ?? 'local',
      statements: o.statements ?? 'offline',
      gold: o.gold ?? true,
      empty: o.empty ?? true,
      split: { test: o.split?.test ?? [], testFraction: o.split?.testFraction ?? 0.2, seed: o.split?.seed ?? name, liteMaxPerRepo: o.split?.liteMaxPerRepo ?? 50 },
      synth: o.synth ?? {},
    },
    repositories,
  };
}
