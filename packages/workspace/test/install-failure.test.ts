import { describe, expect, it } from 'vitest';
import { classifyInstallFailure, errorLines } from '../src/index.js';

// Lines as the package managers printed them on this machine's registry (ai/nanoid, changesets/changesets, a 404 fixture).
describe('classifyInstallFailure', () => {
  it('names the package of a 404, whether its metadata or only its tarball is missing', () => {
    expect(classifyInstallFailure(' ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/actions-up/-/actions-up-1.17.0.tgz: Not Found - 404\n'))
      .toEqual({ kind: 'unavailable-package', packages: ['actions-up'], git: false });
    expect(classifyInstallFailure('npm error 404 Not Found - GET https://registry.npmjs.org/@scope%2fgone/-/gone-1.0.0.tgz - Not found\n'))
      .toEqual({ kind: 'unavailable-package', packages: ['@scope/gone'], git: false });
    expect(classifyInstallFailure('npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/swe-flow-nope - Not found\n'))
      .toEqual({ kind: 'unavailable-package', packages: ['swe-flow-nope'], git: false });
    expect(classifyInstallFailure('[ERR_PNPM_FETCH_404] GET https://registry.npmjs.org/@pnpm%2Fpnpr.linux-arm64-musl: Not Found - 404\n'))
      .toEqual({ kind: 'unavailable-package', packages: ['@pnpm/pnpr.linux-arm64-musl'], git: false });
  });

  it("a 404 during pnpm 11's lockfile check is a lockfile-verification failure naming the package (changesets/changesets)", () => {
    const out = '? Verifying lockfile against supply-chain policies (484 entries)...\n✗ Lockfile failed supply-chain policy check (484 entries in 1m 3.3s)\n' +
      '[ERR_PNPM_FETCH_404] GET https://registry.npmjs.org/@pnpm%2Fpnpr.darwin-x64: Not Found - 404\n';
    expect(classifyInstallFailure(out)).toEqual({ kind: 'lockfile-verification', packages: ['@pnpm/pnpr.darwin-x64'] });
  });

  it('a registry that did not answer in time is a network failure (immerjs/immer under load)', () => {
    expect(classifyInstallFailure('error Error: https://registry.yarnpkg.com/core-js/-/core-js-2.6.11.tgz: ESOCKETTIMEDOUT\n').kind).toBe('network');
  });

  it('a URL dependency whose host cannot be reached is a git/URL dependency failure (ramda/ramda: browserify from api.github.com)', () => {
    const out = 'npm error code ENOTFOUND\nnpm error network request to https://api.github.com/repos/browserify/browserify/tarball/9ff7c55cc67a7ddbc64f8e7270bcd75fcc72ce2f failed, reason: getaddrinfo ENOTFOUND api.github.com\n';
    expect(classifyInstallFailure(out)).toEqual({ kind: 'unavailable-package', packages: [], git: true });
  });

  it('an exact version the registry does not serve names its package (jshttp/cookie: top-sites@1.1.225)', () => {
    expect(classifyInstallFailure('npm error code ETARGET\nnpm error notarget No matching version found for top-sites@1.1.225.\n'))
      .toEqual({ kind: 'unavailable-package', packages: ['top-sites'], git: false });
  });

  it('tells a missing dist-tag from a missing version range', () => {
    expect(classifyInstallFailure('npm error notarget No matching version found for typescript@next.\n')).toEqual({ kind: 'missing-dist-tag', package: 'typescript', tag: 'next' });
    expect(classifyInstallFailure('npm error notarget No matching version found for is-number@^99.0.0.\n').kind).not.toBe('missing-dist-tag');
  });

  it("keeps npm's error lines and drops the usage text npm ci appends", () => {
    const out = 'npm error code EUSAGE\nnpm error\nnpm error `npm ci` can only install packages when your package.json and package-lock.json are in sync.\nnpm error\nnpm error Clean install a project\nnpm error\nnpm error Usage:\nnpm error npm ci\n';
    expect(errorLines(out, 'npm')).toEqual(['npm error code EUSAGE', 'npm error', 'npm error `npm ci` can only install packages when your package.json and package-lock.json are in sync.', 'npm error']);
    expect(classifyInstallFailure(out).kind).toBe('lockfile-out-of-sync');
  });
});
