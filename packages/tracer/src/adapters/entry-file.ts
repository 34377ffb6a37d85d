/**
 * The file a test belongs to, for runners whose hooks learn it from the call site of `test()` (tape,
 * uvu): the test file the runner loaded, not the module that happened to call `test()`. A suite kept
 * in a helper module (`test/suites/array.js` exporting a function that `test/index.js` calls) registers
 * its tests while the entry file loads, so the entry file is the outermost frame of the repository on
 * the stack; running that file registers the test again, running the helper alone registers nothing.
 * Frames of node_modules, of the runner, of `node:`/`data:` modules and outside the working directory
 * (swe-flow's own preloads) are skipped; with no frame of the repository, the first other frame counts.
 */
export const ENTRY_FILE_SOURCE = `
function sweflowEntryFile(cwd, runnerDir) {
  const prevPrepare = Error.prepareStackTrace;
  const prevLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_e, frames) => frames;
  Error.stackTraceLimit = Infinity;
  let frames;
  try { frames = new Error().stack; } finally { Error.prepareStackTrace = prevPrepare; Error.stackTraceLimit = prevLimit; }
  let entry = '';
  let first = '';
  for (const frame of Array.isArray(frames) ? frames : []) {
    let f = frame.getFileName && frame.getFileName();
    if (!f || f.startsWith('node:') || f.startsWith('data:')) continue;
    if (f.startsWith('file://')) { try { f = fileURLToPath(f); } catch { continue; } }
    if (f.startsWith(runnerDir)) continue;
    const rel = path.relative(cwd, f).split(path.sep).join('/');
    if (!first) first = rel;
    if (rel === '' || rel.startsWith('../') || path.isAbsolute(rel) || rel.split('/').includes('node_modules')) continue;
    entry = rel;
  }
  return entry || first;
}
`;
