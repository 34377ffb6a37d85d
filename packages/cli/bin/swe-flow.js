#!/usr/bin/env node
// Committed entry point, so npm links the bin before the first build; the CLI itself is dist/bin.js.
import('../dist/bin.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    process.stderr.write('swe-flow is not built yet: run `npm run build` in the swe-flow checkout.\n');
    process.exitCode = 2;
  } else {
    throw error;
  }
});
