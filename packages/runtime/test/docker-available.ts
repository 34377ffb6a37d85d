import { checkDocker } from '../src/index.js';

/**
 * Docker tests run against the real engine. Without one they skip with the reason printed, unless
 * SWEFLOW_REQUIRE_DOCKER=1, in which case a missing engine is a failure.
 */
export async function dockerAvailable(): Promise<boolean> {
  const check = await checkDocker();
  if (check.ok) return true;
  if (process.env['SWEFLOW_REQUIRE_DOCKER'] === '1') {
    throw new Error(`SWEFLOW_REQUIRE_DOCKER=1 but ${check.message}`);
  }
  console.warn(`[swe-flow/runtime] skipping Docker tests: ${check.message}`);
  return false;
}

export const hasDocker = await dockerAvailable();
