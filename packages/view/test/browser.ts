import { existsSync } from 'node:fs';

/** The system Chromium (Debian's `chromium`): playwright's own browser downloads are not used. */
export function chromiumPath(): string {
  const candidates = [process.env.SWEFLOW_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium at ${candidates.join(', ')}: apt-get install chromium (CI's .ci/run does), or set SWEFLOW_CHROMIUM`);
  return found;
}
