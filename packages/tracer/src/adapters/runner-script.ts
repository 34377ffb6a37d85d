/**
 * The script that runs a runner: the test script when it calls the runner, else the first other
 * script that does (`"test": "npm run tests-only"`, `"tests-only": "nyc tape 'test/**\/*.js'"`).
 */
export function runnerScript(pkg: Record<string, unknown>, calls: RegExp): string {
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  const all = Object.entries(scripts).filter((e): e is [string, string] => typeof e[1] === 'string');
  const test = all.find(([name]) => name === 'test');
  if (test && calls.test(test[1])) return test[1];
  return all.find(([, text]) => calls.test(text))?.[1] ?? '';
}

/** The same choice in plain JS, for hooks that read package.json where the runner runs. */
export const RUNNER_SCRIPT_SOURCE = `
function runnerScript(pkg, calls) {
  const scripts = (pkg && pkg.scripts) || {};
  if (typeof scripts.test === 'string' && calls.test(scripts.test)) return scripts.test;
  return Object.values(scripts).find((s) => typeof s === 'string' && calls.test(s)) || '';
}
`;
