// The one library probe that feeds both builds (scripts/probe.js).
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const PROBE = path.resolve(__dirname, '..', 'scripts', 'probe.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [PROBE, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

t.test('default probe: system BLAS, FFTW with threads, CFITSIO', async (t) => {
  const r = run(['json'], { AIRY_BLAS: '' });
  t.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.equal(j.blasVendor, process.platform === 'darwin' ? 'accelerate' : 'system');
  t.ok(j.libs.includes('-lfftw3_threads') && j.libs.includes('-lfftw3f_threads'), 'threaded FFTW, both precisions');
  t.ok(j.libs.includes('-lcfitsio'), 'CFITSIO');
});

t.test('each AIRY_BLAS name maps to the same choice for node-gyp and CMake', async (t) => {
  const expected: Record<string, string> = { system: 'Generic', openblas: 'OpenBLAS', blis: 'FLAME', atlas: 'Generic', reference: 'Generic' };
  for (const [vendor, bla] of Object.entries(expected)) {
    const gyp = run(['libs'], { AIRY_BLAS: vendor });
    t.equal(gyp.status, 0, `${vendor}: ${gyp.stderr}`);
    const cm = run(['cmake'], { AIRY_BLAS: vendor });
    t.match(cm.stdout, new RegExp(`set\\(AIRY_BLA_VENDOR "${bla}"\\)`), `${vendor} -> BLA_VENDOR ${bla}`);
  }
  t.match(run(['libs'], { AIRY_BLAS: 'atlas' }).stdout, /-Wl,-rpath,.*atlas/, 'an explicit vendor pins its directory');
});

t.test('an unknown AIRY_BLAS lists the valid names', async (t) => {
  const r = run(['libs'], { AIRY_BLAS: 'fastblas' });
  t.equal(r.status, 1);
  t.match(r.stderr, /AIRY_BLAS must be one of system, openblas, blis, atlas, reference, mkl, accelerate; got "fastblas"/);
});

t.test('a missing library names the package for apt, dnf and brew', async (t) => {
  // No pkg-config on PATH: the first thing the probe needs.
  const r = run(['libs'], { PATH: '/nonexistent' });
  t.equal(r.status, 1);
  t.match(r.stderr, /pkg-config was not found/);
  t.match(r.stderr, /apt-get install -y pkg-config/);
  t.match(r.stderr, /dnf install -y pkgconf-pkg-config/);
  t.match(r.stderr, /brew install pkg-config/);
  const mkl = run(['libs'], { AIRY_BLAS: 'mkl', MKLROOT: '/nonexistent' });
  t.equal(mkl.status, 1);
  t.match(mkl.stderr, /Intel MKL was not found[\s\S]*apt-get install -y libmkl-dev/);
});
