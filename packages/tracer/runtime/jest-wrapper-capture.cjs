// swe-flow: the jest command line a wrapper (`kcd-scripts test`, a package of scripts that runs jest)
// would run, without running any test. Loaded with `NODE_OPTIONS=--require <this file>` into the
// wrapper's process and every Node process it starts:
// - a process that loads jest's programmatic entry (`require('jest').run(argv)`, as kcd-scripts does)
//   gets a `run` that writes argv instead of running jest;
// - a process whose main script is jest's own bin (a wrapper that spawns `jest ...`) writes its argv.
// Either writes `{ argv, env, cwd }` as JSON to SWEFLOW_CAPTURE_FILE and exits 0.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const out = process.env.SWEFLOW_CAPTURE_FILE;

function capture(argv) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.SWEFLOW_CAPTURE_FILE;
  fs.writeFileSync(out, JSON.stringify({ argv: argv.map(String), env, cwd: process.cwd() }));
  process.exit(0);
}

/** jest's packages: the programmatic entry (`jest`, `jest-cli`) and their bins. */
const JEST_DIR = /[\\/]node_modules[\\/](?:jest|jest-cli)[\\/]/;

if (out) {
  const main = process.argv[1] ? path.resolve(process.argv[1]) : '';
  let real = main;
  try {
    real = fs.realpathSync(main);
  } catch {
    // not a file: keep the path as given
  }
  if (JEST_DIR.test(real) && /[\\/]bin[\\/]jest(?:\.js)?$/.test(real)) capture(process.argv.slice(2));
  const load = Module._load;
  Module._load = function sweflowCaptureLoad(request) {
    const exported = load.apply(this, arguments);
    if (exported && typeof exported.run === 'function' && (request === 'jest' || request === 'jest-cli')) {
      return new Proxy(exported, {
        get(target, key, receiver) {
          if (key === 'run') return (argv) => capture(Array.isArray(argv) ? argv : process.argv.slice(2));
          return Reflect.get(target, key, receiver);
        },
      });
    }
    return exported;
  };
}
