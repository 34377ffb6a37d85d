#!/usr/bin/env node
import { main } from './main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`swe-flow: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  },
);
