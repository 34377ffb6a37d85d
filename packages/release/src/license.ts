/** A repository's licence, from its package.json or LICENSE file, for the row's `license` and the card. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const KNOWN: [RegExp, string][] = [
  [/MIT License|Permission is hereby granted, free of charge/i, 'MIT'],
  [/Apache License,?\s+Version 2\.0/i, 'Apache-2.0'],
  [/ISC License|Permission to use, copy, modify, and\/or distribute this software for any purpose/i, 'ISC'],
  [/BSD 3-Clause|Neither the name of/i, 'BSD-3-Clause'],
  [/BSD 2-Clause|Redistributions in binary form must reproduce/i, 'BSD-2-Clause'],
  [/Mozilla Public License,? v(ersion)?\.? ?2\.0/i, 'MPL-2.0'],
  [/This is free and unencumbered software released into the public domain/i, 'Unlicense'],
  [/BLUE OAK MODEL LICENSE/i, 'BlueOak-1.0.0'],
];

/** SPDX id from package.json `license` (or the old `licenses`), else from a LICENSE file's text, else `unknown`. */
export async function detectLicense(dir: string): Promise<string> {
  const pkg = await readFile(path.join(dir, 'package.json'), 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>).catch(() => undefined);
  const field = pkg?.license ?? (Array.isArray(pkg?.licenses) ? (pkg.licenses as { type?: string }[])[0]?.type : undefined);
  if (typeof field === 'string' && field.trim()) return field.trim();
  if (field && typeof field === 'object' && typeof (field as { type?: unknown }).type === 'string') return (field as { type: string }).type;
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const name of entries.filter((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n)).sort()) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => '');
    const hit = KNOWN.find(([re]) => re.test(text));
    if (hit) return hit[1];
  }
  return 'unknown';
}
