// Benchmarks for the "Docker" section of BENCHMARKS.md.
// Run: npx tsc -b packages/runtime/tsconfig.lib.json && node packages/runtime/bench/docker-bench.mjs [--skip-bootstrap]
// Measures: offline base bootstrap (forced: debootstrap + import + node/npm layer), environment image
// build cold (no layer cache) vs warm (cache hit), and exec round trip docker ÷ local in the same run.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import {
  bootstrapBaseImage,
  buildEnvironmentImage,
  createDockerRuntime,
  createLocalRuntime,
  getDocker,
  DEFAULT_NODE_VERSION,
} from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (args, cwd) => execFileSync('git', args, { cwd, env: gitEnv }).toString().trim();
const ms = (t0) => Math.round(performance.now() - t0);

async function main() {
  const out = {};
  if (!process.argv.includes('--skip-bootstrap')) {
    let t = performance.now();
    const cold = await bootstrapBaseImage({ nodeVersion: DEFAULT_NODE_VERSION, force: true });
    out.bootstrapColdMs = ms(t);
    out.bootstrapRootfsBuilt = cold.rootfsBuilt;
    t = performance.now();
    const warm = await bootstrapBaseImage({ nodeVersion: DEFAULT_NODE_VERSION });
    out.bootstrapWarmMs = ms(t);
    out.bootstrapWarmCached = warm.cached;
  }

  const root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-bench-'));
  const source = path.join(root, 'src');
  await cp(path.join(here, '..', 'test', 'fixtures', 'tiny-npm'), source, { recursive: true });
  await writeFile(path.join(source, 'bench-marker.txt'), `${Date.now()}\n`); // a fresh image tag every run
  git(['init', '-q'], source);
  git(['add', '-A'], source);
  git(['commit', '-qm', 'bench'], source);
  const commit = git(['rev-parse', 'HEAD'], source);
  const outDir = path.join(root, 'out');

  let t = performance.now();
  const cold = await buildEnvironmentImage({ repoDir: source, base: 'offline', outDir, noCache: true });
  out.envColdMs = ms(t);
  t = performance.now();
  const warm = await buildEnvironmentImage({ repoDir: source, base: 'offline', outDir });
  out.envWarmMs = ms(t);
  out.envWarmCached = warm.cached && warm.tag === cold.tag;

  const N = 30;
  const local = await createLocalRuntime().open({ taskRepo: source, commit });
  const docker = await createDockerRuntime().open({ taskRepo: source, commit, image: cold.tag });
  const round = async (ws, command, args) => {
    await ws.exec({ command, args }, { timeoutMs: 30_000 }); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await ws.exec({ command, args }, { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new Error(`${command} failed: ${r.stderr}`);
    }
    return (performance.now() - t0) / N;
  };
  out.execTrueLocalMs = +(await round(local, 'true', [])).toFixed(2);
  out.execTrueDockerMs = +(await round(docker, 'true', [])).toFixed(2);
  out.execNodeLocalMs = +(await round(local, 'node', ['-e', '0'])).toFixed(2);
  out.execNodeDockerMs = +(await round(docker, 'node', ['-e', '0'])).toFixed(2);
  out.ratioTrue = +(out.execTrueDockerMs / out.execTrueLocalMs).toFixed(2);
  out.ratioNode = +(out.execNodeDockerMs / out.execNodeLocalMs).toFixed(2);
  t = performance.now();
  const ws2 = await createDockerRuntime().open({ taskRepo: source, commit, image: cold.tag });
  out.dockerOpenMs = ms(t);
  t = performance.now();
  await ws2.dispose();
  out.dockerDisposeMs = ms(t);
  t = performance.now();
  const l2 = await createLocalRuntime().open({ taskRepo: source, commit });
  out.localOpenMs = ms(t);
  await l2.dispose();
  await local.dispose();
  await docker.dispose();
  await getDocker().getImage(cold.tag).remove().catch(() => {});
  await rm(root, { recursive: true, force: true });
  console.log(JSON.stringify(out, null, 2));
}

await main();
