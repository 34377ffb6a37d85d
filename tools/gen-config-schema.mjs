#!/usr/bin/env node
// Writes packages/core/schema/config.schema.json from the zod schema (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { cliRecordJsonSchema, configJsonSchema } from '@swe-flow/core';

const file = new URL('../packages/core/schema/config.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);

// The NDJSON records of `--json` (see packages/core/src/cli-records.ts).
const records = new URL('../packages/core/schema/cli-records.schema.json', import.meta.url);
writeFileSync(records, `${JSON.stringify(cliRecordJsonSchema(), null, 2)}\n`);
console.log(`wrote ${records.pathname}`);
