import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig as UserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * One vitest config for every package: sources are read through the `@swe-flow/source` export
 * condition, slow tests (real runners, Docker) get generous timeouts, and every run also writes a
 * JSON report under `reports/` that `tools/count-results.mjs` sums into CI's closing line.
 */
export function defineProjectConfig(name: string, overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    resolve: { conditions: ['@swe-flow/source'] },
    ssr: { resolve: { conditions: ['@swe-flow/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 300_000,
      reporters: ['default', 'json'],
      // Child processes the tests start (runners, node -e) print plain text whatever the terminal is.
      env: { FORCE_COLOR: '0', NO_COLOR: '1' },
      outputFile: { json: `${root}reports/vitest-${name}.json` },
      ...overrides,
    },
  }) as UserConfig;
}
