import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { blasInfo, blasWarnings, cpuInfo, cpuLevel, getBlasThreads, setBlasThreads, suggestedCoretype } from '../lib/index';

const INDEX = path.resolve(__dirname, '..', 'lib', 'index.ts');
const MULTIARCH = '/usr/lib/x86_64-linux-gnu';

// Debian's four libblas.so.3 builds, each in its own directory. A child
// process with LD_LIBRARY_PATH pointing at one of them loads that BLAS.
const DEBIAN_BLAS = [
  { dir: 'openblas-pthread', vendor: 'openblas', pkg: 'libopenblas-dev' },
  { dir: 'blis-openmp', vendor: 'blis', pkg: 'libblis-dev' },
  { dir: 'atlas', vendor: 'atlas', pkg: 'libatlas-base-dev' },
  { dir: 'blas', vendor: 'reference', pkg: 'libblas-dev' },
];

// Computes a small MFT in the child too, so every BLAS is checked for the
// same numbers, not just for its name.
const PROBE = `
  const a = require(${JSON.stringify(INDEX)});
  const n = 24, d = new Float64Array(2 * n * n);
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 0.7);
  const m = a.mftSync({ data: d, shape: [n, n] }, { nlamD: 9, npix: 17 });
  const r = a.mftSync({ data: d.filter((_, i) => i % 2 === 0), shape: [n, n], real: true }, { nlamD: 9, npix: 17 });
  console.log(JSON.stringify({ info: a.blasInfo(), mft: Array.from(m.data), real: Array.from(r.data) }));`;

function runWith(libDir: string | undefined) {
  const env = { ...process.env };
  if (libDir) env.LD_LIBRARY_PATH = libDir;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', PROBE], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed (${libDir}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { info: ReturnType<typeof blasInfo>; mft: number[]; real: number[] };
}

t.test('blasInfo describes the BLAS this process loaded', async (t) => {
  const b = blasInfo();
  t.ok(['openblas', 'blis', 'atlas', 'reference', 'mkl', 'flexiblas', 'accelerate'].includes(b.vendor), `vendor ${b.vendor}`);
  t.ok(fs.existsSync(b.library), `library path exists: ${b.library}`);
  t.type(b.threads, 'number');
  t.ok(Array.isArray(b.warnings));
});

t.test(
  'detection names the right vendor for each Debian BLAS (child processes)',
  { skip: process.platform !== 'linux' ? 'Debian BLAS layout is Linux-only' : false },
  async (t) => {
    const reference = runWith(undefined);
    for (const { dir, vendor, pkg } of DEBIAN_BLAS) {
      const full = path.join(MULTIARCH, dir);
      t.ok(fs.existsSync(path.join(full, 'libblas.so.3')), `${full}/libblas.so.3 present (apt-get install ${pkg}; scripts/bootstrap does it)`);
      const r = runWith(full);
      t.equal(r.info.vendor, vendor, `${dir} -> ${vendor}`);
      t.ok(r.info.library.startsWith(full), `${dir}: library ${r.info.library}`);
      // Different BLAS builds sum in different orders: rounding-level agreement.
      let err = 0;
      let max = 0;
      for (let i = 0; i < r.mft.length; i++) {
        err = Math.max(err, Math.abs(r.mft[i]! - reference.mft[i]!), Math.abs(r.real[i]! - reference.real[i]!));
        max = Math.max(max, Math.abs(reference.mft[i]!));
      }
      t.ok(err / max < 1e-12, `${dir}: MFT agrees with the default BLAS (${err / max})`);
      if (vendor === 'reference' || vendor === 'atlas') t.match(r.info.warnings.join(' '), /OpenBLAS/, `${dir}: warns and names the remedy`);
      if (vendor === 'openblas') t.ok(r.info.version.length > 0 && r.info.kernel.length > 0, 'openblas reports version and kernel');
    }
  },
);

t.test('BLAS thread count can be read and set', async (t) => {
  const b = blasInfo();
  if (!b.threadsSettable) {
    t.throws(() => setBlasThreads(2), { name: 'RangeError' });
    return;
  }
  const before = getBlasThreads();
  setBlasThreads(1);
  t.equal(getBlasThreads(), 1);
  setBlasThreads(Math.max(1, before));
  t.equal(getBlasThreads(), Math.max(1, before));
  t.throws(() => setBlasThreads(0), { name: 'RangeError', message: /threads must be an integer in \[1, 1024\], got 0/ });
  t.throws(() => setBlasThreads(1.5), { name: 'RangeError', message: /threads must be an integer/ });
});

const INTEL_AVX512 = { vendor: 'GenuineIntel', features: ['sse2', 'sse4_2', 'avx', 'fma', 'avx2', 'avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl'] };
const AMD_AVX2 = { vendor: 'AuthenticAMD', features: ['sse2', 'sse4_2', 'avx', 'fma', 'avx2'] };
const OLD_CPU = { vendor: 'GenuineIntel', features: ['sse2', 'sse4_2'] };

t.test('kernel check: a generic OpenBLAS kernel on a better CPU warns with the remedy', async (t) => {
  // The case seen on an AVX-512 Xeon: Debian's OpenBLAS 0.3.21 chose Prescott.
  const w = blasWarnings({ vendor: 'openblas', kernel: 'Prescott', cpu: INTEL_AVX512 });
  t.equal(w.length, 1);
  t.match(w[0], /'Prescott' kernel \(SSE\) on a CPU with AVX-512/);
  t.match(w[0], /OPENBLAS_CORETYPE=SkylakeX/);
  t.match(w[0], /up to ~5x/);
  t.match(blasWarnings({ vendor: 'openblas', kernel: 'Sandybridge', cpu: AMD_AVX2 })[0], /OPENBLAS_CORETYPE=Zen/);
  t.match(
    blasWarnings({ vendor: 'openblas', kernel: 'Haswell', cpu: { ...INTEL_AVX512, features: [...INTEL_AVX512.features, 'avx512_bf16'] } })[0],
    /Cooperlake/,
  );
});

t.test('kernel check: the right kernel, unknown kernels and older CPUs do not warn', async (t) => {
  t.same(blasWarnings({ vendor: 'openblas', kernel: 'SkylakeX', cpu: INTEL_AVX512 }), []);
  t.same(blasWarnings({ vendor: 'openblas', kernel: 'Haswell', cpu: AMD_AVX2 }), []);
  t.same(blasWarnings({ vendor: 'openblas', kernel: 'Prescott', cpu: OLD_CPU }), []);
  t.same(blasWarnings({ vendor: 'openblas', kernel: 'ArmV8', cpu: OLD_CPU }), [], 'unknown kernel names are not guessed at');
  t.same(blasWarnings({ vendor: 'blis', kernel: 'zen3', cpu: INTEL_AVX512 }), []);
});

t.test('kernel check: a core type forced through the environment is named, not overridden', async (t) => {
  const w = blasWarnings({ vendor: 'openblas', kernel: 'Haswell', cpu: INTEL_AVX512, forcedCoretype: 'Haswell' });
  t.match(w[0], /OPENBLAS_CORETYPE=Haswell is set in the environment/);
});

t.test('cpu features come from the CPU itself', async (t) => {
  const c = cpuInfo();
  t.type(c.model, 'string');
  if (process.arch === 'x64') {
    t.ok(c.features.includes('sse2'), 'every x86-64 CPU has SSE2');
    // Cross-check CPUID against the kernel's view where Linux exposes it.
    if (fs.existsSync('/proc/cpuinfo')) {
      const flags =
        fs
          .readFileSync('/proc/cpuinfo', 'utf8')
          .match(/^flags\s*:(.*)$/m)?.[1]
          ?.split(/\s+/) ?? [];
      for (const f of ['avx', 'avx2', 'avx512f']) t.equal(c.features.includes(f), flags.includes(f), `${f} agrees with /proc/cpuinfo`);
    }
  }
  t.equal(cpuLevel(INTEL_AVX512.features), 3);
  t.equal(cpuLevel(AMD_AVX2.features), 2);
  t.equal(suggestedCoretype(OLD_CPU), 'Prescott');
});
