// swe-flow: what the runner scripts that run inside a workspace share (the warm vitest and jest
// sessions, the vitest tree batch). Copied next to them into the workspace's `.swe-flow/`.
'use strict';
const readline = require('node:readline');

/** Replies on stdout are lines starting with this; anything else there is the tests' own output. */
const MARK = '@@swe-flow-session@@';

const errorText = (error) => String(error && error.stack ? error.stack : error);

/**
 * Answers the JSON request lines of stdin one at a time, in order: `send(await handle(req))`, or
 * `send({ id, error })` when handling throws. `onClose` runs once stdin ends and the last answer is out.
 */
function serve(handle, send, onClose) {
  let queue = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      let req;
      try {
        req = JSON.parse(line);
        send(await handle(req));
      } catch (error) {
        send({ id: req ? req.id : null, error: errorText(error) });
      }
    });
  });
  rl.on('close', () => {
    queue.then(onClose).finally(() => process.exit(0));
  });
}

const vitestState = (s) => (s === 'passed' ? 'passed' : s === 'failed' ? 'failed' : 'skipped');

function vitestTitlePath(test) {
  const titles = [test.name];
  for (let p = test.parent; p && p.type === 'suite'; p = p.parent) titles.unshift(p.name);
  return titles;
}

/**
 * One vitest test module's results (reported-tasks API, vitest >= 3) with `file` as given, and its
 * load error if it has one.
 */
function vitestModuleResults(mod, file) {
  const errors = mod.errors();
  const moduleError = errors.length > 0 ? { file, message: String(errors[0]?.message ?? '').slice(0, 2000) } : undefined;
  const results = [];
  for (const test of mod.children.allTests()) {
    const r = test.result();
    const diag = test.diagnostic();
    const error = (r.errors ?? []).map((e) => e.stack || e.message).join('\n').slice(0, 4000);
    results.push({ file, titlePath: vitestTitlePath(test), status: vitestState(r.state), durationMs: Math.round(diag?.duration ?? 0), ...(error ? { error } : {}) });
  }
  return { results, moduleError };
}

module.exports = { MARK, errorText, serve, vitestModuleResults };
