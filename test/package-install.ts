/**
 * The package as users get it (test/package.ts checks the entries of the
 * source checkout): `npm pack` holds what a user needs and nothing
 * else; the prebuilt addon (OpenBLAS, FFTW, CFITSIO linked statically) needs
 * only the C and C++ runtimes; the packed tarball installs with no compiler
 * and no system libraries (in a bare chroot) and computes the same PSF as the
 * build linked to the system libraries; CommonJS and ES-module entries load;
 * the declarations type-check in strict consumer projects with and without
 * `@types/node`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { loadSystem } from '../lib/index';
import { BARE_NPM, buildBareRoot, canUseBareRoot, inBareRoot } from './helpers/bare-root';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { extraNeeds } = require('../scripts/prebuild.js') as { extraNeeds(file: string): { needed: string[]; extra: string[] } };

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SYSTEM = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'lyot-coronagraph.json'), 'utf8'));
SYSTEM.npix = 64;
SYSTEM.source = { wavelengths: [0.9e-6, 1.1e-6], weights: [1, 2] };

interface PackedFile {
  path: string;
  size: number;
}

/** `npm pack` of `dir` into `dest` (no lifecycle scripts); the tarball's path and its files. */
function pack(dir: string, dest: string): { tarball: string; files: PackedFile[]; size: number; unpackedSize: number } {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: dir, encoding: 'utf8' });
  const [info] = JSON.parse(out) as { filename: string; files: PackedFile[]; size: number; unpackedSize: number }[];
  return { tarball: path.join(dest, info!.filename), files: info!.files, size: info!.size, unpackedSize: info!.unpackedSize };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-package-'));
t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));

t.test('npm pack holds what a user needs and nothing else', async (t) => {
  const { files, size, unpackedSize } = pack(ROOT, work);
  const names = files.map((f) => f.path);
  for (const need of [
    'package.json',
    'README.md',
    'bin/airy.js',
    'dist/index.js',
    'dist/index.mjs',
    'dist/index.d.ts',
    'binding.gyp',
    'scripts/probe.js',
    'native/propagate.cc',
    'examples/grid-field.json',
  ]) {
    t.ok(names.includes(need), `packs ${need}`);
  }
  const stray = names.filter((n) => /\.map$|^test\/|^lib\/|^\.ci\/|^benchmarks\/(?!workloads\/)|^build\//.test(n));
  t.same(stray, [], 'no source maps, TypeScript sources, tests, CI files, benchmarks or build products');
  t.comment(`npm pack: ${names.length} files, ${(size / 1024).toFixed(0)} KiB packed, ${(unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  t.ok(unpackedSize < 3 * 2 ** 20, `unpacked ${unpackedSize} bytes < 3 MiB without prebuilds`);
});

const bareRootMissing = canUseBareRoot();
t.test('the prebuilt addon installs from the tarball on a bare machine and computes the same PSF', { skip: bareRootMissing ?? false }, async (t) => {
  // The tarball a release publishes: the package plus prebuilds/.
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage);
  execFileSync('tar', ['-xzf', pack(ROOT, work).tarball, '-C', stage]);
  const pkgDir = path.join(stage, 'package');
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--out', pkgDir], { encoding: 'utf8', timeout: 900_000 });
  t.equal(built.status, 0, `scripts/prebuild.js ${built.status === 0 ? 'built the static addon' : built.stderr.slice(-2000)}`);
  if (built.status !== 0) return;
  const release = fs.mkdtempSync(path.join(work, 'release-'));
  const { tarball, files } = pack(pkgDir, release);
  const addon = files.find((f) => /^prebuilds\/linux-x64\/.*\.node$/.test(f.path));
  t.ok(addon, `the tarball carries ${addon?.path} (${((addon?.size ?? 0) / 2 ** 20).toFixed(1)} MiB)`);

  const bare = path.join(work, 'root');
  const libs = buildBareRoot(bare);
  t.notOk(
    libs.some((l) => /blas|fftw|cfitsio|gfortran/.test(l)),
    `the bare root holds only ${libs.map((l) => path.basename(l)).join(', ')}`,
  );
  fs.mkdirSync(path.join(bare, 'app'));
  fs.writeFileSync(path.join(bare, 'app', 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  fs.copyFileSync(tarball, path.join(bare, 'airy.tgz'));
  fs.copyFileSync(path.join(__dirname, 'helpers', 'prebuilt-psf.js'), path.join(bare, 'app', 'psf.js'));
  fs.writeFileSync(path.join(bare, 'app', 'system.json'), JSON.stringify(SYSTEM));

  const which = inBareRoot(bare, 'command -v cc gcc g++ c++ make python3 || echo none');
  t.equal(which.stdout.trim(), 'none', 'no compiler, make or Python in the bare root');
  const install = inBareRoot(bare, `cd /app && ${BARE_NPM} install --prefer-offline --omit=optional --no-audit --no-fund --fetch-retries 1 /airy.tgz`, 180_000);
  t.equal(install.status, 0, `npm install of the tarball with no compiler: ${install.stderr.slice(-2000)}`);
  if (install.status !== 0) return;
  const run = inBareRoot(bare, 'cd /app && node psf.js system.json /tmp/psf.fits');
  t.equal(run.status, 0, `a PSF in the bare root: ${run.stderr.slice(-2000)}`);
  if (run.status !== 0) return;
  await checkBarePsf(t, JSON.parse(run.stdout.trim().split('\n').pop()!));

  const installed = path.join(bare, 'app', 'node_modules', 'airy');
  checkNeeded(t, path.join(installed, addon!.path));
  checkEntries(t, path.join(bare, 'app'));
  checkTypes(t, path.join(bare, 'app'));
});

interface BareResult {
  data: number[];
  shape: [number, number];
  fitsRoundTrip: boolean;
  blas: { vendor: string; kernel: string; bundled: boolean; library: string };
  fftw: string;
  cfitsio: string;
}

async function checkBarePsf(t: Test, r: BareResult): Promise<void> {
  t.ok(r.blas.bundled && r.blas.vendor === 'openblas', `blasInfo: bundled OpenBLAS (${r.blas.vendor}, ${r.blas.library})`);
  t.match(r.blas.kernel, /\S/, `OpenBLAS picked the kernel ${r.blas.kernel} at run time`);
  t.match(r.blas.library, /prebuilds\/linux-x64\/.*\.node$/, 'the BLAS lives in the prebuilt addon');
  t.ok(r.fitsRoundTrip, `FITS written and read back by the bundled CFITSIO ${r.cfitsio} (FFTW ${r.fftw})`);
  await compareWithSystemBuild(t, r);
}

async function compareWithSystemBuild(t: Test, r: BareResult): Promise<void> {
  const psf = await loadSystem(SYSTEM).calcPsf({ parallel: 'none' });
  t.same(r.shape, psf.shape, 'same shape');
  let peak = 0;
  let worst = 0;
  for (let i = 0; i < psf.data.length; i++) {
    peak = Math.max(peak, psf.data[i]!);
    worst = Math.max(worst, Math.abs(psf.data[i]! - r.data[i]!));
  }
  t.ok(worst <= 1e-12 * peak, `bundled vs system build: max |difference| ${(worst / peak).toExponential(2)} of peak (≤ 1e-12)`);
}

/** The installed addon names only the C and C++ runtimes as NEEDED. */
function checkNeeded(t: Test, addon: string): void {
  const { needed, extra } = extraNeeds(addon);
  t.same(extra, [], `the prebuilt addon needs only ${needed.join(', ')}`);
}

/** require() and import() from the consumer project give the same API. */
function checkEntries(t: Test, app: string): void {
  const cjs = spawnSync(process.execPath, ['-e', "const a = require('airy'); console.log(typeof a.loadSystem, a.version)"], { cwd: app, encoding: 'utf8' });
  t.match(cjs.stdout, /^function \d/, `CommonJS entry: ${cjs.stderr.slice(-500)}`);
  const esm = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { loadSystem, version } from 'airy'; import airy from 'airy'; console.log(typeof loadSystem, airy.loadSystem === loadSystem, version)",
    ],
    {
      cwd: app,
      encoding: 'utf8',
    },
  );
  t.match(esm.stdout, /^function true \d/, `ES-module entry: ${esm.stderr.slice(-500)}`);
}

const CONSUMER_TS = `import { blasInfo, loadSystem, type BlasInfo, type Psf } from 'airy';
const system = loadSystem({ npix: 32, planes: [{ kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] }, { kind: 'detector', pixelscale: 0.05, fovPixels: 8 }], source: { wavelengths: [1e-6] } });
export const info: BlasInfo = blasInfo();
export const psf: Promise<Psf> = system.calcPsf({ parallel: 'none' });
`;

/** Strict type checks of a consumer file, without @types/node and with it. */
function checkTypes(t: Test, app: string): void {
  fs.writeFileSync(path.join(app, 'index.ts'), CONSUMER_TS);
  const base = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false };
  const variants: [string, object][] = [
    ['without @types/node or the DOM lib', { ...base, lib: ['es2022'], types: [] }],
    ['with the DOM lib', { ...base, lib: ['es2022', 'dom'], types: [] }],
    ['with @types/node', { ...base, lib: ['es2022'], types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] }],
  ];
  for (const [name, compilerOptions] of variants) {
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }));
    const r = spawnSync(process.execPath, [TSC, '-p', app], { encoding: 'utf8' });
    t.equal(r.status, 0, `declarations type-check ${name}: ${r.stdout.slice(-1500)}`);
  }
}
