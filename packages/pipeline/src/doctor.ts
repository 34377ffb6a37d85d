import { execa } from 'execa';
import { checkBaseImage, checkDocker, DEFAULT_NODE_VERSION } from '@swe-flow/runtime';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
}

async function version(cmd: string, args = ['--version']): Promise<string | null> {
  try {
    const { stdout } = await execa(cmd, args, { timeout: 20_000 });
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

/** One verdict per prerequisite, each with how to fix it. */
export async function runDoctor(options: { nodeVersion?: string } = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  checks.push({ name: 'node', status: nodeOk ? 'ok' : 'fail', detail: `Node ${process.versions.node}`, ...(nodeOk ? {} : { fix: 'install Node 20.19 or newer' }) });
  const git = await version('git');
  checks.push({ name: 'git', status: git ? 'ok' : 'fail', detail: git ?? 'not found', ...(git ? {} : { fix: 'apt-get install git' }) });
  const npm = await version('npm');
  checks.push({ name: 'npm', status: npm ? 'ok' : 'fail', detail: npm ? `npm ${npm}` : 'not found', ...(npm ? {} : { fix: 'npm ships with Node: reinstall Node' }) });
  for (const pm of ['pnpm', 'yarn']) {
    const v = await version(pm);
    checks.push(v
      ? { name: pm, status: 'ok', detail: `${pm} ${v}` }
      : { name: pm, status: 'warn', detail: 'not on PATH', fix: `nothing to do: swe-flow installs ${pm} from the npm registry when a repository needs it (or \`npm i -g ${pm}\`)` });
  }
  const docker = await checkDocker();
  checks.push(docker.ok
    ? { name: 'docker', status: 'ok', detail: `engine ${docker.version ?? ''}`.trim() }
    : { name: 'docker', status: 'warn', detail: docker.message, fix: 'needed only for --runtime docker: install docker.io and start dockerd (see README)' });
  if (docker.ok) {
    const base = await checkBaseImage(options.nodeVersion ?? DEFAULT_NODE_VERSION);
    checks.push(base.ok
      ? { name: 'base image', status: 'ok', detail: base.tag }
      : { name: 'base image', status: 'warn', detail: base.message, fix: '`swe-flow docker bootstrap` builds it offline (about a minute); --runtime docker also builds it on first use' });
  }
  return checks;
}
