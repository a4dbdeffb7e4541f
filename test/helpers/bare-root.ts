/**
 * A bare root file system for chroot: node, npm, /bin/sh and /usr/bin/env and
 * the shared libraries they load, nothing else — no compiler, no Python, no
 * BLAS, FFTW or CFITSIO. Commands run in a private mount namespace with /proc
 * mounted and the host's npm cache bound at /cache, so `npm install
 * --prefer-offline` fetches from the registry only what the cache lacks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const NPM_DIR = path.resolve(path.dirname(fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())), '..');
const PROGRAMS = [process.execPath, fs.realpathSync('/bin/sh'), '/usr/bin/env'];

/** Whether this machine can build and enter a bare root (root, unshare, chroot). */
export function canUseBareRoot(): string | undefined {
  if (process.platform !== 'linux') return 'chroot is Linux only';
  if (process.getuid?.() !== 0) return 'building a chroot needs root';
  const r = spawnSync('unshare', ['-m', '--fork', 'true']);
  return r.status === 0 ? undefined : 'unshare -m is not permitted here';
}

/** The shared libraries `file` loads, as absolute paths (ldd). */
export function sharedLibraries(file: string): string[] {
  const out = execFileSync('ldd', [file], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

function copyInto(root: string, file: string, as = file): void {
  const dest = path.join(root, as);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), dest);
  fs.chmodSync(dest, fs.statSync(fs.realpathSync(file)).mode);
}

/** Builds the bare root at `root`; returns the libraries it holds. */
export function buildBareRoot(root: string): string[] {
  const libs = new Set<string>();
  for (const p of PROGRAMS) for (const lib of sharedLibraries(p)) libs.add(lib);
  for (const lib of libs) copyInto(root, lib);
  copyInto(root, process.execPath, '/usr/bin/node');
  copyInto(root, '/bin/sh');
  copyInto(root, '/usr/bin/env');
  fs.cpSync(NPM_DIR, path.join(root, 'usr/lib/node_modules/npm'), { recursive: true, dereference: true });
  for (const d of ['tmp', 'proc', 'cache', 'root', 'dev', 'etc']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  // Name resolution, for npm to reach the registry for what its cache lacks.
  for (const f of ['resolv.conf', 'hosts', 'nsswitch.conf']) if (fs.existsSync(`/etc/${f}`)) fs.copyFileSync(`/etc/${f}`, path.join(root, 'etc', f));
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca && fs.existsSync(ca)) copyInto(root, ca);
  execFileSync('mknod', ['-m', '666', path.join(root, 'dev/null'), 'c', '1', '3']);
  execFileSync('mknod', ['-m', '444', path.join(root, 'dev/urandom'), 'c', '1', '9']);
  return [...libs];
}

/** The host's npm cache (asked of npm once). */
let cacheDir: string | undefined;

/** Runs `script` with /bin/sh inside the bare root; returns the exit status and output. */
export function inBareRoot(root: string, script: string, timeoutMs = 300_000): { status: number | null; stdout: string; stderr: string } {
  cacheDir ??= execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const cache = cacheDir;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const outer = [
    `mount -t proc proc ${q(path.join(root, 'proc'))}`,
    `mount --bind ${q(cache)} ${q(path.join(root, 'cache'))}`,
    // A test runner may add its own loader to NODE_OPTIONS; it does not exist in the root.
    `exec chroot ${q(root)} /bin/sh -c ${q(`unset NODE_OPTIONS; ${script}`)}`,
  ].join(' && ');
  // OPENBLAS_* pass through (some machines set them on purpose), and so do
  // the proxy and certificate settings npm needs to reach the registry.
  const keep = /^(OPENBLAS_|NODE_EXTRA_CA_CERTS$|https?_proxy$|no_proxy$)/i;
  const openblas = Object.fromEntries(Object.entries(process.env).filter(([k]) => keep.test(k)));
  const env = { ...openblas, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', npm_config_cache: '/cache', LANG: 'C' };
  const r = spawnSync('unshare', ['-m', '--fork', 'sh', '-c', outer], { encoding: 'utf8', env, timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The npm command inside the bare root. */
export const BARE_NPM = 'node /usr/lib/node_modules/npm/bin/npm-cli.js';
