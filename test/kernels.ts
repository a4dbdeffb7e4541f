import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fft2, fft2Sync, mft, mftSync, mftCacheStats, type MftOptions } from '../lib/index';
import { centroid, circularPupil, energy, fftshift, intensity, randomComplex, relErr, toComplex } from './helpers/arrays';

t.test('fft2: forward then inverse restores the input; Parseval holds', async (t) => {
  for (const [ny, nx] of [
    [64, 64],
    [48, 30],
    [7, 13],
  ] as const) {
    const a = randomComplex(ny, nx, ny * 31 + nx);
    const f = await fft2({ data: a, shape: [ny, nx] });
    const b = await fft2(f, { inverse: true });
    // Round trip of a unitary transform in double precision: a few ulps per
    // butterfly stage; 1e-13 relative is far above that and far below any bug.
    t.ok(relErr(b.data, a) < 1e-13, `round trip ${ny}x${nx}: ${relErr(b.data, a)}`);
    // Unitary scaling conserves energy exactly up to rounding.
    const ratio = energy(f.data) / energy(a);
    t.ok(Math.abs(ratio - 1) < 1e-12, `Parseval ${ny}x${nx}: ratio ${ratio}`);
  }
});

t.test('fft2 on several threads equals the serial transform', async (t) => {
  // From 2^15 elements up, each thread takes a share of the row blocks and
  // then a slice of the columns (single-precision slices start on even
  // columns). Shapes: even, odd (255 = 3·5·17 and 511 = 7·73 rows, prime 257
  // and 509 columns), rectangular both ways, above and below 1 MB.
  for (const [ny, nx] of [
    [256, 256],
    [255, 257],
    [160, 400],
    [520, 72],
    [512, 512],
    [511, 509],
  ] as const) {
    const a = randomComplex(ny, nx, ny + 7 * nx);
    for (const inverse of [false, true]) {
      const serial = fft2Sync({ data: a, shape: [ny, nx] }, { inverse, threads: 1 });
      for (const threads of [2, 3]) {
        const par = await fft2({ data: a, shape: [ny, nx] }, { inverse, threads });
        // Different (but exact) FFTW plans for the column pass: rounding only,
        // ~1e-16 per stage; 1e-13 relative leaves margin and catches any
        // missing, doubled or misplaced column or row block.
        t.ok(relErr(par.data, serial.data) < 1e-13, `${ny}x${nx} inverse=${inverse} threads=${threads}: ${relErr(par.data, serial.data)}`);
      }
      const s32 = fft2Sync({ data: Float32Array.from(a), shape: [ny, nx] }, { inverse, threads: 2 });
      // Single precision against the double transform: ~log2(N)·6e-8.
      t.ok(relErr(s32.data, serial.data) < 1e-5, `float32 ${ny}x${nx} inverse=${inverse} threads=2: ${relErr(s32.data, serial.data)}`);
    }
  }
  // `estimate` (the default, above) copies 16 columns at a time into a
  // contiguous buffer for the column pass; `measure` runs FFTW's plans on the
  // strided columns. Two independent column paths, same transform.
  for (const [ny, nx] of [
    [255, 257],
    [512, 512],
  ] as const) {
    const a = randomComplex(ny, nx, 3 * ny + nx);
    const est = fft2Sync({ data: a, shape: [ny, nx] }, { planner: 'estimate', threads: 1 });
    for (const threads of [1, 2]) {
      const mea = fft2Sync({ data: a, shape: [ny, nx] }, { planner: 'measure', threads });
      t.ok(relErr(mea.data, est.data) < 1e-13, `${ny}x${nx} measure (threads ${threads}) vs estimate: ${relErr(mea.data, est.data)}`);
    }
  }
  // A bad value fails a threaded call cleanly, and the next call still works.
  const bad = randomComplex(256, 256, 5);
  bad[3] = Number.NaN;
  t.throws(() => fft2Sync({ data: bad, shape: [256, 256] }, { threads: 2 }), { name: 'RangeError' });
  const good = randomComplex(256, 256, 6);
  const r = await fft2({ data: good, shape: [256, 256] }, { threads: 2 });
  t.ok(relErr(r.data, fft2Sync({ data: good, shape: [256, 256] }).data) < 1e-13, 'threaded call after a failed one');
});

// Asking for more threads than cores must not start a helper thread per
// requested thread: they would only wait on each other. Counted in a fresh
// child process (Linux: /proc/self/task lists its threads).
t.test('fft2 threads beyond the core count start at most one helper per core', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const index = path.resolve(__dirname, '..', 'lib', 'index.ts');
  const probe = `
    const fs = require('fs');
    const a = require(${JSON.stringify(index)});
    const n = 512, d = new Float64Array(2 * n * n).map((_, i) => Math.sin(i));
    a.fft2Sync({ data: d, shape: [n, n] }, { threads: 1 });
    const before = fs.readdirSync('/proc/self/task').length;
    const s = a.fft2Sync({ data: d, shape: [n, n] }, { threads: 1 });
    const m = a.fft2Sync({ data: d, shape: [n, n] }, { threads: 64 });
    let e = 0;
    for (let i = 0; i < d.length; i++) e = Math.max(e, Math.abs(m.data[i] - s.data[i]));
    console.log(JSON.stringify({ added: fs.readdirSync('/proc/self/task').length - before, cores: require('os').availableParallelism(), e }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', probe], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { added: number; cores: number; e: number };
  t.ok(out.added <= Math.max(0, out.cores - 1), `threads: 64 added ${out.added} threads on ${out.cores} cores`);
  t.ok(out.e < 1e-12, `same transform: ${out.e}`);
});

t.test('fft2: forward uses exp(-2πi k n / N) (FFTW/numpy sign)', async (t) => {
  // A single tone exp(+2πi·3x/N) lands in bin +3 under a negative-exponent DFT.
  const n = 16;
  const a = new Float64Array(2 * n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const ph = (2 * Math.PI * 3 * x) / n;
      a[2 * (y * n + x)] = Math.cos(ph);
      a[2 * (y * n + x) + 1] = Math.sin(ph);
    }
  const f = fft2Sync({ data: a, shape: [n, n] });
  const I = intensity(f.data);
  t.ok(Math.abs(I[3]! - n * n) < 1e-9, 'all energy in bin [0, 3]');
});

t.test('mft FFTSTYLE with nlamD = npix = n equals the shifted FFT', async (t) => {
  for (const n of [16, 32]) {
    const a = randomComplex(n, n, n);
    const m = await mft({ data: a, shape: [n, n] }, { nlamD: n, npix: n, centering: 'FFTSTYLE' });
    // Forward MFT has exp(+2πi), i.e. the inverse DFT direction.
    const f = fft2Sync({ data: fftshift(a, n, n, true), shape: [n, n] }, { inverse: true });
    const ref = fftshift(f.data, n, n);
    // Both are exact transforms in double precision; kernels are computed with
    // argument reduction, so agreement is at rounding level. Contract: 1e-10.
    t.ok(relErr(m.data, ref) < 1e-10, `n=${n}: ${relErr(m.data, ref)}`);
  }
});

t.test('mft forward then inverse restores the input', async (t) => {
  const n = 32;
  const a = randomComplex(n, n, 5);
  // nlamD = n samples the full band; any npix >= n then makes the pair exact.
  const f = await mft({ data: a, shape: [n, n] }, { nlamD: n, npix: 48 });
  const b = await mft(f, { nlamD: n, npix: n, inverse: true });
  t.ok(relErr(b.data, a) < 1e-10, `relative error ${relErr(b.data, a)}`);
  // Rectangular arrays and per-axis nlamD.
  const r = randomComplex(24, 40, 9);
  const fr = mftSync({ data: r, shape: [24, 40] }, { nlamD: [24, 40], npix: [30, 44] });
  t.same(fr.shape, [30, 44]);
  const br = mftSync(fr, { nlamD: [24, 40], npix: [24, 40], inverse: true });
  t.ok(relErr(br.data, r) < 1e-10, `rectangular relative error ${relErr(br.data, r)}`);
});

t.test('ADJUSTABLE centring puts an on-axis PSF centroid at the array centre', async (t) => {
  const pupil = circularPupil(64);
  for (const npix of [64, 65, 100, 101]) {
    const f = await mft({ data: pupil, shape: [64, 64], real: true }, { nlamD: 16, npix });
    const [cy, cx] = centroid(intensity(f.data), npix, npix);
    // A symmetric pupil gives an exactly symmetric PSF about (npix-1)/2; 1e-9
    // pixels allows only rounding.
    t.ok(Math.abs(cy - (npix - 1) / 2) < 1e-9 && Math.abs(cx - (npix - 1) / 2) < 1e-9, `npix=${npix}: centroid (${cy}, ${cx}), expected ${(npix - 1) / 2}`);
  }
});

t.test('forward MFT sign: a pupil phase exp(-2πi·x·u0) puts the PSF at +u0 λ/D', async (t) => {
  const n = 32;
  const u0 = 3; // λ/D along x
  const c = (n - 1) / 2;
  const a = new Float64Array(2 * n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const xd = (x - c) / n; // pupil coordinate in units of the diameter
      const ph = -2 * Math.PI * xd * u0;
      a[2 * (y * n + x)] = Math.cos(ph);
      a[2 * (y * n + x) + 1] = Math.sin(ph);
    }
  const npix = 64; // 4 pixels per λ/D over 16 λ/D
  const f = mftSync({ data: a, shape: [n, n] }, { nlamD: 16, npix });
  const I = intensity(f.data);
  let best = 0;
  for (let i = 1; i < I.length; i++) if (I[i]! > I[best]!) best = i;
  const px = best % npix;
  const py = Math.floor(best / npix);
  // Peak within half a pixel of (npix-1)/2 + u0·(npix/nlamD) = 31.5 + 12.
  t.ok(Math.abs(px - 43.5) <= 0.5, `peak x ${px}`);
  t.ok(Math.abs(py - 31.5) <= 0.5, `peak y ${py}`);
});

t.test('ADJUSTABLE offset moves the PSF by that many output pixels', async (t) => {
  const pupil = circularPupil(32);
  const npix = 80;
  const f = await mft({ data: pupil, shape: [32, 32], real: true }, { nlamD: 20, npix, offset: [-3, 5] });
  const I = intensity(f.data);
  // Centroid in a 21x21 window centred on the expected position: if the PSF
  // moved by exactly (-3, +5) pixels it is symmetric in that window, so only
  // rounding separates the centroid from the target.
  const ey = (npix - 1) / 2 - 3;
  const ex = (npix - 1) / 2 + 5;
  let s = 0;
  let sy = 0;
  let sx = 0;
  for (let y = Math.ceil(ey - 10); y <= ey + 10; y++) {
    for (let x = Math.ceil(ex - 10); x <= ex + 10; x++) {
      const v = I[y * npix + x]!;
      s += v;
      sy += v * y;
      sx += v * x;
    }
  }
  t.ok(Math.abs(sx / s - ex) < 1e-9, `cx ${sx / s}, expected ${ex}`);
  t.ok(Math.abs(sy / s - ey) < 1e-9, `cy ${sy / s}, expected ${ey}`);
});

t.test('SYMMETRIC centring: even and odd outputs are centred on (n-1)/2', async (t) => {
  const pupil = circularPupil(32);
  for (const npix of [40, 41]) {
    const f = mftSync({ data: pupil, shape: [32, 32], real: true }, { nlamD: 10, npix, centering: 'SYMMETRIC' });
    const [cy, cx] = centroid(intensity(f.data), npix, npix);
    t.ok(Math.abs(cy - (npix - 1) / 2) < 1e-9 && Math.abs(cx - (npix - 1) / 2) < 1e-9, `npix=${npix}: (${cy}, ${cx})`);
  }
});

t.test('the real-input path equals the complex path (Hermitian half-transforms on mirrored grids)', async (t) => {
  // An asymmetric real pupil: a mirrored half copied into the wrong place
  // would differ at O(1).
  const pupil = circularPupil(48);
  for (let i = 0; i < pupil.length; i++) pupil[i]! *= 0.5 + 0.5 * Math.cos(i * 0.01) + (i % 48 > 30 ? 0.3 : 0);
  const cases: { label: string; o: MftOptions }[] = [];
  for (const npix of [
    [50, 61],
    [61, 50],
    [33, 33],
    [40, 40],
  ] as [number, number][]) {
    cases.push({ label: `ADJUSTABLE ${npix}`, o: { nlamD: [12, 14], npix } });
    cases.push({ label: `SYMMETRIC ${npix}`, o: { nlamD: [12, 14], npix, centering: 'SYMMETRIC' } });
    cases.push({ label: `FFTSTYLE ${npix}`, o: { nlamD: [12, 14], npix, centering: 'FFTSTYLE' } });
    cases.push({ label: `offset x ${npix}`, o: { nlamD: [12, 14], npix, offset: [0, 2.5] } });
    cases.push({ label: `offset y ${npix}`, o: { nlamD: [12, 14], npix, offset: [-1.5, 0] } });
    cases.push({ label: `inverse ${npix}`, o: { nlamD: [12, 14], npix, inverse: true } });
  }
  for (const c of cases) {
    const real = await mft({ data: pupil, shape: [48, 48], real: true }, c.o);
    const cplx = await mft({ data: toComplex(pupil), shape: [48, 48] }, c.o);
    // Same arithmetic but in a different order (dgemm vs zgemm): rounding only.
    t.ok(relErr(real.data, cplx.data) < 1e-12, `${c.label}: relative difference ${relErr(real.data, cplx.data)}`);
  }
});

t.test('real inputs symmetric under x → −x (and y → −y) take the folded path and equal the complex transform', async (t) => {
  for (const n of [48, 47]) {
    const both = circularPupil(n);
    // Symmetric in x only: rows weighted unevenly in y.
    const xOnly = both.map((v, i) => v * (1 + (0.4 * Math.floor(i / n)) / n + (Math.floor(i / n) % 3 === 0 ? 0.1 : 0)));
    // Broken by one pixel: the general path.
    const broken = Float64Array.from(both);
    broken[3 * n + 5]! += 0.25;
    for (const [label, pupil] of [
      ['x and y', both],
      ['x only', xOnly],
      ['asymmetric by a pixel', broken],
    ] as const) {
      for (const o of [
        { nlamD: [12, 14], npix: [50, 61] },
        { nlamD: 9, npix: 33 },
        { nlamD: [12, 10], npix: [40, 24], centering: 'SYMMETRIC' },
      ] as MftOptions[]) {
        const real = await mft({ data: pupil, shape: [n, n], real: true }, o);
        const cplx = await mft({ data: toComplex(pupil), shape: [n, n] }, o);
        const e = relErr(real.data, cplx.data);
        t.ok(e < 1e-12, `n ${n}, ${label}, ${JSON.stringify(o)}: relative difference ${e.toExponential(2)}`);
      }
    }
  }
});

t.test('float32 agrees with float64 to float32 precision', async (t) => {
  const n = 64;
  const a = randomComplex(n, n, 3);
  const a32 = Float32Array.from(a);
  const m64 = await mft({ data: a, shape: [n, n] }, { nlamD: 20, npix: 50 });
  const m32 = await mft({ data: a32, shape: [n, n] }, { nlamD: 20, npix: 50 });
  t.ok(m32.data instanceof Float32Array, 'single in, single out');
  // Sums of 4096 terms in single precision: ~sqrt(4096)·6e-8 ≈ 4e-6 relative
  // to the peak; 1e-4 bounds it with margin and still fails on a real bug.
  t.ok(relErr(m32.data, m64.data) < 1e-4, `mft: ${relErr(m32.data, m64.data)}`);
  const f64 = await fft2({ data: a, shape: [n, n] });
  const f32 = await fft2({ data: a32, shape: [n, n] });
  t.ok(relErr(f32.data, f64.data) < 1e-5, `fft2: ${relErr(f32.data, f64.data)}`);
  const real32 = await mft({ data: Float32Array.from(circularPupil(n)), shape: [n, n], real: true }, { nlamD: 8, npix: 33 });
  const real64 = await mft({ data: circularPupil(n), shape: [n, n], real: true }, { nlamD: 8, npix: 33 });
  t.ok(relErr(real32.data, real64.data) < 1e-5, `real float32 path: ${relErr(real32.data, real64.data)}`);
});

t.test('sync and async variants give identical results; async does not block', async (t) => {
  const a = randomComplex(128, 128, 8);
  const s = mftSync({ data: a, shape: [128, 128] }, { nlamD: 30, npix: 90 });
  let ticked = false;
  setImmediate(() => {
    ticked = true;
  });
  const p = mft({ data: a, shape: [128, 128] }, { nlamD: 30, npix: 90 });
  t.ok(p instanceof Promise, 'mft returns a Promise');
  const r = await p;
  t.same(Array.from(r.data), Array.from(s.data), 'bitwise identical');
  t.ok(ticked, 'the event loop ran while the transform was pending');
});

t.test('MFT kernels are cached across calls', async (t) => {
  const a = randomComplex(20, 20, 2);
  const before = mftCacheStats();
  mftSync({ data: a, shape: [20, 20] }, { nlamD: 7.25, npix: 21 });
  mftSync({ data: a, shape: [20, 20] }, { nlamD: 7.25, npix: 21 });
  const after = mftCacheStats();
  t.equal(after.misses - before.misses, 1, 'one miss');
  t.equal(after.hits - before.hits, 1, 'then one hit');
});
