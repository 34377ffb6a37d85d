/** `owner/name` from a git URL (https, ssh, scp-like or file). */
export function repoNameFromUrl(url: string): string {
  const cleaned = url.replace(/\.git$/, '').replace(/\/+$/, '');
  const parts = cleaned.split(/[/:]/).filter(Boolean);
  const name = parts.at(-1) ?? 'repo';
  const owner = parts.at(-2) ?? 'local';
  return `${owner}/${name}`;
}
