// swe-flow: Vite plugin (enforce: 'pre') that serves pre-instrumented sources to vitest.
// Plain JS with no dependencies: trace() instruments every source file beforehand and writes
// `<cacheDir>/index.json` ({ [absPath]: { sha1, out } }); this plugin only looks files up, and only
// when the code it is handed is byte-identical to what was instrumented.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function sweflowInstrument(cacheDir) {
  const index = JSON.parse(readFileSync(path.join(cacheDir, 'index.json'), 'utf8'));
  const stats = { served: 0, stale: 0 };
  return {
    name: 'swe-flow:instrument',
    enforce: 'pre',
    transform(code, id) {
      const file = id.replace(/[?#].*$/, '');
      const entry = index[file];
      if (!entry) return null;
      const sha1 = createHash('sha1').update(code).digest('hex');
      if (sha1 !== entry.sha1) {
        stats.stale++;
        return null;
      }
      stats.served++;
      const cached = JSON.parse(readFileSync(path.join(cacheDir, entry.out), 'utf8'));
      return { code: cached.code, map: cached.map };
    },
    buildEnd() {
      if (process.env.SWEFLOW_DEBUG) process.stderr.write(`swe-flow: instrumented ${stats.served}, stale ${stats.stale}\n`);
    },
  };
}
