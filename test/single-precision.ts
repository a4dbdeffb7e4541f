// precision: 'single' against double on the benchmark workloads and the
// examples at k = 1, 2, in every parallel mode; where it is chosen from
// (call, system JSON, config, AIRY_PRECISION, CLI) and what says it ran.
//
// Tolerance: the largest pixel difference is at most 1e-5 of the PSF's
// peak, or, for deep-contrast coronagraphs whose own peak lies below 1e-7
// of the unocculted peak, 1e-12 of the unocculted peak (README, "Single
// precision": float32 cannot resolve such a peak to 1e-5 of itself).
import t from 'tap';
import { runNodeScript } from './helpers/node-script';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { config, loadSystem, memoryModel, type OpticalSystem, type Psf, readFits, shutdownPool, type Precision } from '../lib/index';
import { pointSystem } from '../lib/grid/point';
import { EXAMPLES_DIR, exampleSystemFiles } from './helpers/examples';

t.teardown(() => shutdownPool());

type Json = Record<string, unknown> & { planes: Record<string, unknown>[] };
const TOL = 1e-5;
const DEEP_TOL = 1e-12;
const WORKLOADS = path.resolve(__dirname, '..', 'benchmarks', 'workloads');
const BIN = path.resolve(__dirname, '..', 'bin', 'airy.js');

/** A benchmark workload at oversampling k (padded grid and detector), as the benchmarks run it. */
function workload(name: 'imaging' | 'coronagraph' | 'coronagraph-mft', k: number): Json {
  const j = JSON.parse(fs.readFileSync(path.join(WORKLOADS, `${name === 'imaging' ? 'imaging' : 'coronagraph'}.json`), 'utf8')) as Json;
  if (name !== 'imaging') j.propagation = name === 'coronagraph' ? 'fft' : 'mft';
  // Three of the ten wavelengths (both ends and the middle) keep the run short; the error is per wavelength.
  const src = j.source as { wavelengths: number[] };
  j.source = { wavelengths: [src.wavelengths[0], src.wavelengths[5], src.wavelengths[9]] };
  return withOversample(j, k);
}

function withOversample(j: Json, k: number): Json {
  const c = structuredClone(j);
  c.oversample = k;
  c.planes[c.planes.length - 1]!.oversample = k;
  return c;
}

/** The same system without its image planes: the unocculted PSF's peak. */
async function unoccultedPeak(j: Json): Promise<number> {
  const open = structuredClone(j);
  open.planes = open.planes.filter((p) => p.kind !== 'image');
  return (await loadSystem(open, { baseDir: EXAMPLES_DIR }).calcPsf()).peak();
}

function maxDiff(a: Psf, b: Psf): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** Checks single against double for one system and returns the error over the allowed error. */
async function agree(t: typeof import('tap').Test.prototype, label: string, j: Json): Promise<void> {
  const osys = loadSystem(j, { baseDir: EXAMPLES_DIR });
  const d = await osys.calcPsf({ precision: 'double' });
  const s = await osys.calcPsf({ precision: 'single' });
  osys.release();
  t.equal(s.data.constructor, Float64Array, `${label}: the PSF is summed and returned in float64`);
  const err = maxDiff(d, s);
  const peak = d.peak();
  const unocc = j.planes.some((p) => p.kind === 'image') ? await unoccultedPeak(j) : peak;
  const deep = peak < 1e-7 * unocc;
  const allowed = deep ? DEEP_TOL * unocc : TOL * peak;
  t.ok(
    err <= allowed,
    `${label}: max |single - double| = ${(err / peak).toExponential(2)} of the peak, ${(err / unocc).toExponential(2)} of the unocculted peak${deep ? ' (deep contrast)' : ''}`,
  );
}

t.test('benchmark workloads (imaging, coronagraph by FFT and by MFT boxes) at k = 1, 2: single within 1e-5 of the peak', async (t) => {
  for (const name of ['imaging', 'coronagraph', 'coronagraph-mft'] as const) for (const k of [1, 2]) await agree(t, `${name} k=${k}`, workload(name, k));
});

t.test('every example at k = 1, 2: single within 1e-5 of the peak (deep contrast: 1e-12 of the unocculted peak)', async (t) => {
  for (const f of exampleSystemFiles()) {
    const j = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')) as Json;
    for (const k of [1, 2]) await agree(t, `${f} k=${k}`, withOversample(j, k));
  }
});

t.test('every parallel mode computes in single precision and agrees with serial double', async (t) => {
  const j = workload('coronagraph', 1);
  j.npix = 256;
  const osys = loadSystem(j);
  const ref = await osys.calcPsf({ precision: 'double' });
  const serial = await osys.calcPsf({ precision: 'single' });
  t.ok(maxDiff(serial, ref) > 0, 'single differs from double (it really ran in float32)');
  const modes = [
    { parallel: 'threads', nProcesses: 2 },
    { parallel: 'processes', startMethod: 'spawn', nProcesses: 2 },
  ] as const;
  for (const m of modes) {
    const p = await osys.calcPsf({ precision: 'single', ...m });
    t.equal(p.header.PRECISION, 'single');
    t.ok(maxDiff(p, ref) <= TOL * ref.peak(), `${m.parallel}/${'startMethod' in m ? m.startMethod : ''}: within 1e-5 of double`);
    t.ok(maxDiff(p, serial) <= 1e-6 * ref.peak(), `${m.parallel}: matches serial single (${(maxDiff(p, serial) / ref.peak()).toExponential(2)})`);
  }
  // Fork needs a process whose BLAS and FFTW never started threads.
  const script = `
    const { loadSystem } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    (async () => {
      const osys = loadSystem(${JSON.stringify(j)});
      const s = await osys.calcPsf({ precision: 'single' });
      const f = await osys.calcPsf({ precision: 'single', parallel: 'processes', startMethod: 'fork', nProcesses: 2 });
      const d = await osys.calcPsf({ precision: 'double' });
      let e = 0, es = 0;
      for (let i = 0; i < d.data.length; i++) { e = Math.max(e, Math.abs(f.data[i] - d.data[i])); es = Math.max(es, Math.abs(f.data[i] - s.data[i])); }
      console.log(JSON.stringify({ e: e / d.peak(), es: es / d.peak(), mode: f.parallel.mode + '/' + f.parallel.startMethod, precision: f.header.PRECISION }));
    })();`;
  const out = runNodeScript<{ e: number; es: number; mode: string; precision: string }>(t, script, { timeout: 120_000 });
  t.equal(out.mode, 'processes/fork');
  t.equal(out.precision, 'single');
  t.ok(out.e <= TOL, `fork: within 1e-5 of double (${out.e.toExponential(2)})`);
  t.ok(out.es <= 1e-6, `fork: matches serial single (${out.es.toExponential(2)})`);
});

t.test('intermediates in single precision: float64 fields close to double', async (t) => {
  const osys = loadSystem(workload('coronagraph-mft', 1));
  const src = { wavelengths: [2e-6] };
  const d = await osys.calcPsf({ source: src, returnIntermediates: true });
  const s = await osys.calcPsf({ source: src, returnIntermediates: true, precision: 'single' });
  const pd = d.intermediates![0]!;
  const ps = s.intermediates![0]!;
  t.equal(ps.length, pd.length);
  for (let i = 0; i < pd.length; i++) {
    const a = pd[i]!.field;
    const b = ps[i]!.field;
    t.equal(b.constructor, Float64Array);
    let m = 0;
    let e = 0;
    for (let k = 0; k < a.length; k++) {
      m = Math.max(m, Math.abs(a[k]!));
      e = Math.max(e, Math.abs(a[k]! - b[k]!));
    }
    t.ok(e <= 1e-5 * m, `plane ${i} (${pd[i]!.kind}): field within 1e-5 of its largest value (${(e / m).toExponential(2)})`);
  }
});

t.test('where precision comes from: call > system JSON > config.set > AIRY_PRECISION > double; the FITS header says what ran', async (t) => {
  const j = {
    npix: 64,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'detector', pixelscale: 0.05, fovPixels: 16 },
    ],
    source: { wavelengths: [1e-6] },
  };
  const ran = async (o: OpticalSystem, p?: Precision) => (await o.calcPsf(p ? { precision: p } : {})).header.PRECISION;
  const plain = loadSystem(j);
  t.equal(await ran(plain), 'double', 'default double');
  config.set({ precision: 'single' });
  try {
    t.equal(config.explain().precision.source, 'set');
    t.equal(await ran(plain), 'single', 'config.set');
    t.equal(await ran(plain, 'double'), 'double', 'the call wins over config');
    const pinned = loadSystem({ ...j, precision: 'double' });
    t.equal(await ran(pinned), 'double', "the system's precision wins over config");
    t.equal(pinned.toJSON().precision, 'double', 'toJSON keeps it');
  } finally {
    config.reset('precision');
  }
  const fromFile = loadSystem({ ...j, precision: 'single' });
  const psf = await fromFile.calcPsf();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-single-'));
  await psf.writeFits(path.join(dir, 'p.fits'));
  t.equal(readFits(path.join(dir, 'p.fits')).header.PRECISION, 'single', 'FITS PRECISION says single');
  const f32 = psf.float32();
  t.equal(f32.constructor, Float32Array);
  t.equal(f32.length, psf.data.length);
  t.ok(Math.abs(f32[0]! - psf.data[0]!) <= 1e-7 * psf.peak(), 'float32() narrows the data');
  t.equal(psf.float32('detector').length, psf.detSampled.data.length);
  t.throws(() => psf.float32('both' as never), /which must be 'oversampled' or 'detector', got "both"/);

  const env = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      '-e',
      `
    const { loadSystem } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    loadSystem(${JSON.stringify(j)}).calcPsf().then((p) => console.log(p.header.PRECISION));`,
    ],
    { env: { ...process.env, AIRY_PRECISION: 'single' }, encoding: 'utf8' },
  );
  t.equal(env.stdout.trim(), 'single', 'AIRY_PRECISION=single');
  const bad = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      '-e',
      `
    const { loadSystem } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    loadSystem(${JSON.stringify(j)}).calcPsf().catch((e) => console.log(e.message));`,
    ],
    { env: { ...process.env, AIRY_PRECISION: 'half' }, encoding: 'utf8' },
  );
  t.match(bad.stdout, /environment variable AIRY_PRECISION must be one of 'double', 'single', got "half"/);
});

t.test('bad precision values are refused naming the argument', async (t) => {
  const j = {
    npix: 32,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'detector', pixelscale: 0.05, fovPixels: 8 },
    ],
  };
  const osys = loadSystem(j);
  await t.rejects(osys.calcPsf({ wavelength: 1e-6, precision: 'float' as never }), /precision must be one of 'double', 'single', got "float"/);
  t.throws(() => loadSystem({ ...j, precision: 32 }), /precision must be one of 'double', 'single', got 32/);
  t.throws(() => config.set({ precision: 'quad' as never }), /config.precision must be one of 'double', 'single', got "quad"/);
});

t.test('the memory model counts complex values at 8 bytes in single precision', async (t) => {
  const shape = loadSystem(workload('coronagraph', 2)).workloadShape();
  const d = memoryModel(shape);
  const s = memoryModel({ ...shape, single: true });
  t.equal(s.wavefronts, d.wavefronts / 2, 'padded wavefronts halve');
  t.equal(s.mftKernels, d.mftKernels / 2, 'MFT kernels halve');
});

t.test('grid points: single precision enters the recipe (and key); a point runs at its recipe precision', async (t) => {
  const system = {
    npix: 32,
    planes: [
      { kind: 'pupil', optics: [] },
      { kind: 'detector', pixelscale: 0.05, fovPixels: 8 },
    ],
    source: { wavelengths: [1e-6] },
  };
  const grid = { system, source: undefined, normalize: undefined, pupilDiameter: 2, wavefrontRadius: 0 } as unknown as Parameters<typeof pointSystem>[0];
  const point = { fieldX: 0, fieldY: 0, zernike: [] } as unknown as Parameters<typeof pointSystem>[1];
  t.equal(pointSystem(grid, point).precision, undefined, 'double stays implicit');
  config.set({ precision: 'single' });
  try {
    t.equal(pointSystem(grid, point).precision, 'single', 'single is written into the point system');
  } finally {
    config.reset('precision');
  }
});

t.test('airy psf --precision single: summary, JSON and FITS say single', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-single-cli-'));
  const out = path.join(dir, 'c.fits');
  const r = spawnSync(process.execPath, [BIN, 'psf', path.join(EXAMPLES_DIR, 'lyot-coronagraph.json'), '-o', out, '--precision', 'single', '--json', '-q'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(JSON.parse(r.stdout).precision, 'single');
  t.equal(readFits(out).header.PRECISION, 'single');
  const bad = spawnSync(process.execPath, [BIN, 'psf', path.join(EXAMPLES_DIR, 'lyot-coronagraph.json'), '-o', out, '--precision', 'half'], {
    encoding: 'utf8',
  });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--precision.*half/);
});
