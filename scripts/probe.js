#!/usr/bin/env node
// One probe for both builds. Decides compile and link flags for BLAS, FFTW
// (double, float, threads) and CFITSIO, from AIRY_BLAS and pkg-config.
//
//   node scripts/probe.js cflags | libs     one flag per line (node-gyp)
//   node scripts/probe.js cmake             CMake `set()` lines (cmake-js)
//   node scripts/probe.js json              everything, for humans and tests
//
// AIRY_BLAS = system (Linux default: the generic libblas.so.3 chosen by the
// OS) | openblas | blis | atlas | reference | mkl | accelerate (macOS default).
//
// AIRY_LINK = shared (default) | static. Static (Linux, for prebuilt
// binaries) links OpenBLAS, FFTW, CFITSIO and zlib from their static archives
// into the addon and hides their symbols, so the addon needs only the C and
// C++ runtimes. CFITSIO's https and .bz2 readers are left out
// (native/absent_drivers.cc).
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VENDORS = ['system', 'openblas', 'blis', 'atlas', 'reference', 'mkl', 'accelerate'];

// Packages that provide each library, per package manager.
const PACKAGES = {
  system: { apt: 'libblas-dev', dnf: 'flexiblas-devel', brew: 'openblas' },
  openblas: { apt: 'libopenblas-dev', dnf: 'openblas-devel', brew: 'openblas' },
  blis: { apt: 'libblis-dev', dnf: 'blis-devel', brew: 'blis' },
  atlas: { apt: 'libatlas-base-dev', dnf: 'atlas-devel', brew: '(not packaged; use openblas)' },
  reference: { apt: 'libblas-dev', dnf: 'blas-devel', brew: '(not packaged; use openblas)' },
  mkl: { apt: 'libmkl-dev', dnf: 'intel-oneapi-mkl-devel', brew: '(not packaged; use accelerate)' },
  fftw: { apt: 'libfftw3-dev', dnf: 'fftw-devel', brew: 'fftw' },
  cfitsio: { apt: 'libcfitsio-dev', dnf: 'cfitsio-devel', brew: 'cfitsio' },
  zlib: { apt: 'zlib1g-dev', dnf: 'zlib-static', brew: 'zlib' },
  'pkg-config': { apt: 'pkg-config', dnf: 'pkgconf-pkg-config', brew: 'pkg-config' },
};

// CMake FindBLAS vendor for each AIRY_BLAS value.
const BLA_VENDOR = {
  system: 'Generic',
  openblas: 'OpenBLAS',
  blis: 'FLAME',
  atlas: 'Generic',
  reference: 'Generic',
  mkl: 'Intel10_64lp_seq',
  accelerate: 'Apple',
};

class ProbeError extends Error {}

function missing(what, lib) {
  const p = PACKAGES[lib];
  return new ProbeError(
    `airy: ${what} was not found.\n` +
      'Install it with one of:\n' +
      `  Debian/Ubuntu: sudo apt-get install -y ${p.apt}\n` +
      `  Fedora/RHEL:   sudo dnf install -y ${p.dnf}\n` +
      `  macOS:         brew install ${p.brew}\n` +
      'or run scripts/bootstrap, which installs everything airy needs.',
  );
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function hasPkgConfig() {
  return run('pkg-config', ['--version']) !== null;
}

function pkg(mod, what) {
  const out = run('pkg-config', [what, mod]);
  return out === null ? null : out.split(/\s+/).filter(Boolean);
}

function libDirs() {
  const dirs = [];
  const multiarch = run('gcc', ['-print-multiarch']);
  if (multiarch) dirs.push(`/usr/lib/${multiarch}`, `/lib/${multiarch}`);
  dirs.push('/usr/local/lib', '/usr/lib64', '/usr/lib', '/opt/homebrew/lib', '/usr/local/opt/openblas/lib');
  return dirs.filter((d) => fs.existsSync(d));
}

function findLib(name, dirs = libDirs()) {
  for (const d of dirs) {
    for (const ext of ['.so', '.dylib', '.a']) {
      const f = path.join(d, `lib${name}${ext}`);
      if (fs.existsSync(f)) return d;
    }
  }
  return null;
}

function rpathFor(libFlags) {
  return libFlags.filter((f) => f.startsWith('-L')).map((f) => `-Wl,-rpath,${f.slice(2)}`);
}

function blasFlags(vendor, platform) {
  switch (vendor) {
    case 'accelerate':
      if (platform !== 'darwin') throw new ProbeError('airy: AIRY_BLAS=accelerate is only available on macOS');
      return { cflags: ['-DACCELERATE_NEW_LAPACK'], libs: ['-framework', 'Accelerate'], hint: '' };
    case 'system': {
      const dir = findLib('blas');
      if (!dir) throw missing('the system BLAS (libblas)', 'system');
      return { cflags: [], libs: ['-lblas'], hint: '' };
    }
    case 'openblas': {
      const libs = pkg('openblas', '--libs');
      if (libs) return { cflags: [], libs: [...libs, ...rpathFor(libs)], hint: '' };
      const dir = findLib('openblas');
      if (!dir) throw missing('OpenBLAS', 'openblas');
      return { cflags: [], libs: [`-L${dir}`, '-lopenblas', `-Wl,-rpath,${dir}`], hint: dir };
    }
    case 'blis': {
      const libs = pkg('blis', '--libs');
      if (libs) return { cflags: [], libs: [...libs, ...rpathFor(libs)], hint: '' };
      const dir = findLib('blis');
      if (!dir) throw missing('BLIS', 'blis');
      return { cflags: [], libs: [`-L${dir}`, '-lblis'], hint: dir };
    }
    case 'atlas':
    case 'reference': {
      const mod = vendor === 'atlas' ? 'blas-atlas' : 'blas-netlib';
      const libs = pkg(mod, '--libs');
      if (!libs) throw missing(vendor === 'atlas' ? 'ATLAS' : 'the reference (Netlib) BLAS', vendor);
      const dir = (libs.find((f) => f.startsWith('-L')) || '-L').slice(2);
      return { cflags: [], libs: [...libs, ...rpathFor(libs)], hint: dir };
    }
    case 'mkl': {
      const libs = pkg('mkl-dynamic-lp64-seq', '--libs');
      if (libs) return { cflags: [], libs: [...libs, ...rpathFor(libs)], hint: '' };
      const root = process.env.MKLROOT;
      const dir = root ? path.join(root, 'lib', 'intel64') : findLib('mkl_rt');
      if (!dir || !findLib('mkl_rt', [dir])) throw missing('Intel MKL', 'mkl');
      return { cflags: [], libs: [`-L${dir}`, '-lmkl_rt', `-Wl,-rpath,${dir}`], hint: dir };
    }
    default:
      throw new ProbeError(`airy: AIRY_BLAS must be one of ${VENDORS.join(', ')}; got "${vendor}"`);
  }
}

// The static archive lib<name>.a in the first of `dirs` that has it.
function archive(name, dirs) {
  for (const d of dirs) {
    const f = path.join(d, `lib${name}.a`);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

const STATIC_PARTS = [
  ['openblas', 'openblas'],
  ['fftw3_threads', 'fftw'],
  ['fftw3f_threads', 'fftw'],
  ['fftw3', 'fftw'],
  ['fftw3f', 'fftw'],
  ['cfitsio', 'cfitsio'],
  ['z', 'zlib'],
];

/** Flags for AIRY_LINK=static: every library from its archive, symbols hidden. */
function probeStatic(env, platform) {
  if (platform !== 'linux') throw new ProbeError(`airy: AIRY_LINK=static is only supported on Linux; got ${platform}`);
  const vendor = (env.AIRY_BLAS || 'openblas').toLowerCase();
  if (vendor !== 'openblas') throw new ProbeError(`airy: AIRY_LINK=static bundles OpenBLAS; AIRY_BLAS must be openblas, got "${env.AIRY_BLAS}"`);
  const dirs = libDirs().flatMap((d) => [path.join(d, 'openblas-pthread'), d]);
  const parts = STATIC_PARTS.map(([name, pkgName]) => {
    const file = archive(name, dirs);
    if (!file) throw missing(`the static library lib${name}.a`, pkgName);
    return { file, pkgName };
  });
  const archives = parts.map((p) => p.file);
  const of = (...pkgNames) => parts.filter((p) => pkgNames.includes(p.pkgName)).map((p) => p.file);
  const fitsC = pkg('cfitsio', '--cflags') || [];
  return {
    blasVendor: 'openblas',
    blaVendor: BLA_VENDOR.openblas,
    blasHintDir: '',
    link: 'static',
    cflags: ['-DAIRY_BUNDLED_OPENBLAS', '-DAIRY_ABSENT_DRIVERS', ...fitsC],
    libs: ['-Wl,--exclude-libs,ALL', ...archives, '-lpthread', '-lm', '-ldl'],
    fftwLibs: of('fftw'),
    cfitsioLibs: of('cfitsio', 'zlib'),
    cfitsioCflags: fitsC,
  };
}

function probe(env = process.env, platform = process.platform) {
  const link = (env.AIRY_LINK || 'shared').toLowerCase();
  if (link !== 'shared' && link !== 'static') throw new ProbeError(`airy: AIRY_LINK must be shared or static; got "${env.AIRY_LINK}"`);
  if (!hasPkgConfig()) throw missing('pkg-config', 'pkg-config');
  if (link === 'static') return probeStatic(env, platform);
  const vendor = (env.AIRY_BLAS || (platform === 'darwin' ? 'accelerate' : 'system')).toLowerCase();
  if (!VENDORS.includes(vendor)) {
    throw new ProbeError(`airy: AIRY_BLAS must be one of ${VENDORS.join(', ')}; got "${env.AIRY_BLAS}"`);
  }
  const blas = blasFlags(vendor, platform);

  const fftwC = pkg('fftw3', '--cflags');
  const fftwL = pkg('fftw3', '--libs');
  const fftwfL = pkg('fftw3f', '--libs');
  if (!fftwL || !fftwfL) throw missing('FFTW 3 (double and single precision)', 'fftw');
  const fftwDir = (fftwL.find((f) => f.startsWith('-L')) || '').slice(2);
  const threadDirs = fftwDir ? [fftwDir, ...libDirs()] : libDirs();
  if (!findLib('fftw3_threads', threadDirs) || !findLib('fftw3f_threads', threadDirs)) {
    throw missing('FFTW 3 threads libraries (libfftw3_threads, libfftw3f_threads)', 'fftw');
  }
  const fitsC = pkg('cfitsio', '--cflags');
  const fitsL = pkg('cfitsio', '--libs');
  if (!fitsL) throw missing('CFITSIO', 'cfitsio');

  const uniq = (a) => [...new Set(a)];
  const fftwLibs = uniq(['-lfftw3_threads', '-lfftw3f_threads', ...fftwL, ...fftwfL]);
  return {
    blasVendor: vendor,
    blaVendor: BLA_VENDOR[vendor],
    blasHintDir: blas.hint,
    link: 'shared',
    cflags: uniq([...blas.cflags, ...(fftwC || []), ...(fitsC || [])]),
    libs: uniq([...blas.libs, ...fftwLibs, ...fitsL, '-lpthread', '-ldl']),
    fftwLibs,
    cfitsioLibs: fitsL,
    cfitsioCflags: fitsC || [],
  };
}

module.exports = { probe, VENDORS, PACKAGES, BLA_VENDOR, ProbeError };

if (require.main === module) {
  const mode = process.argv[2] || 'json';
  try {
    const r = probe();
    if (mode === 'cflags') console.log(r.cflags.join('\n'));
    else if (mode === 'libs') console.log(r.libs.join('\n'));
    else if (mode === 'cmake') {
      const q = (a) => a.map((s) => `"${s}"`).join(' ');
      console.log(`set(AIRY_BLAS_VENDOR "${r.blasVendor}")`);
      console.log(`set(AIRY_BLA_VENDOR "${r.blaVendor}")`);
      console.log(`set(AIRY_BLAS_HINT_DIR "${r.blasHintDir}")`);
      console.log(`set(AIRY_EXTRA_CFLAGS ${q(r.cflags)})`);
      console.log(`set(AIRY_FFTW_LIBS ${q(r.fftwLibs)})`);
      console.log(`set(AIRY_CFITSIO_LIBS ${q(r.cfitsioLibs)})`);
    } else console.log(JSON.stringify(r, null, 2));
  } catch (e) {
    if (e instanceof ProbeError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
