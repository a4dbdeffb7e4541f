// Image planes by MFT (semi-analytic): the same answer as the FFT when the
// box has the FFT's sampling and mask model, the analytic mask model equal
// to the mask's Fourier transform and independent of the sampling, the
// method chosen and reported, every parallel mode identical, convergence,
// clear errors.
import t from 'tap';
import {
  AnnularFieldStop,
  BarOcculter,
  CircularAperture,
  CircularOcculter,
  config,
  IdealFQPM,
  loadSystem,
  ArrayOptic,
  besselJ1,
  type MaskModel,
  type Optic,
  OpticalSystem,
  type Propagation,
  SquareFieldStop,
  shutdownPool,
} from '../lib/index';

const LAM = 1e-6;
const LAMD = (LAM / 2) * 206264.806; // arcsec, D = 2 m

interface LyotOptions {
  mask: Optic[];
  propagation: Propagation;
  npix?: number;
  oversample?: number;
  maskSampling?: number;
  maskModel?: MaskModel;
  lyot?: number;
}

function lyot(opts: LyotOptions): OpticalSystem {
  const { npix = 128, oversample = 4, propagation, maskSampling, maskModel } = opts;
  const o = new OpticalSystem({ npix, oversample, propagation, maskSampling, maskModel });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addImage(opts.mask);
  o.addPupil(new CircularAperture({ radius: opts.lyot ?? 0.9 }));
  o.addDetector({ pixelscale: LAMD / 4, fovPixels: 48 });
  return o;
}

/** Largest |a − b| over the peak of b. */
function maxDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let peak = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    peak = Math.max(peak, b[i]!);
  }
  return d / peak;
}

const MASKS: [string, () => Optic[]][] = [
  ['occulter (Babinet)', () => [new CircularOcculter({ radius: 3 * LAMD })]],
  ['square field stop', () => [new SquareFieldStop({ size: 10 * LAMD })]],
  ['annular field stop', () => [new AnnularFieldStop({ radiusInner: 2 * LAMD, radiusOuter: 6 * LAMD })]],
  ['annular stop with an inner radius only (an occulter)', () => [new AnnularFieldStop({ radiusInner: 2 * LAMD })]],
  ['bar of finite length, rotated', () => [new BarOcculter({ width: 2 * LAMD, length: 8 * LAMD, angle: 30 })]],
];

t.test("MFT ≡ FFT to 1e-10 of peak when the box has the FFT's sampling and mask model (maskSampling = oversample, 'sampled')", async (t) => {
  for (const [name, mask] of MASKS) {
    for (const [npix, k, offset] of [
      [128, 4, 0],
      [96, 3, 0],
      [75, 3, 0],
      [128, 2, 0.07],
    ] as const) {
      const source = { wavelengths: [LAM], weights: [1], offsetR: offset, offsetTheta: 30 };
      const f = await lyot({ mask: mask(), propagation: 'fft', npix, oversample: k }).calcPsf({ source });
      const m = await lyot({ mask: mask(), propagation: 'mft', npix, oversample: k, maskSampling: k, maskModel: 'sampled' }).calcPsf({ source });
      const d = maxDiff(m.data, f.data);
      t.ok(d < 1e-10, `${name}, npix ${npix}, k ${k}, offset ${offset}″: ${d.toExponential(2)}`);
    }
  }
});

t.test('an annular stop with only an inner radius is the circular occulter; a long finite bar is the infinite one', async (t) => {
  const a = await lyot({ mask: [new AnnularFieldStop({ radiusInner: 2 * LAMD })], propagation: 'auto' }).calcPsf({ wavelength: LAM });
  const c = await lyot({ mask: [new CircularOcculter({ radius: 2 * LAMD })], propagation: 'auto' }).calcPsf({ wavelength: LAM });
  t.equal(maxDiff(a.data, c.data), 0, 'same bits');
  t.equal(a.imagePlanes?.[0]?.method, 'mft');
  const inf = await lyot({ mask: [new BarOcculter({ width: LAMD })], propagation: 'fft' }).calcPsf({ wavelength: LAM });
  const long = await lyot({ mask: [new BarOcculter({ width: LAMD, length: 400 * LAMD })], propagation: 'fft' }).calcPsf({ wavelength: LAM });
  t.ok(maxDiff(long.data, inf.data) < 1e-12, 'a bar longer than the FFT field is the infinite bar');
  t.throws(() => new AnnularFieldStop({}), /needs radiusOuter, or radiusInner > 0/);
});

t.test('a plane by FFT inside a system on the pupil grid gives the FFT answer', async (t) => {
  const build = (first: Propagation) => {
    const o = new OpticalSystem({ npix: 96, oversample: 3 });
    o.addPupil(new CircularAperture({ radius: 1 }));
    o.addImage(new CircularOcculter({ radius: 2 * LAMD }), { propagation: first, maskSampling: 3, maskModel: 'sampled' });
    o.addPupil(new CircularAperture({ radius: 0.9 }));
    o.addImage(new IdealFQPM({ wavelength: LAM }));
    o.addPupil(new CircularAperture({ radius: 0.8 }));
    o.addDetector({ pixelscale: LAMD / 4, fovPixels: 32 });
    return o;
  };
  const f = await build('fft').calcPsf({ wavelength: LAM });
  const m = await build('mft').calcPsf({ wavelength: LAM });
  t.same(
    m.imagePlanes?.map((p) => p.method),
    ['mft', 'fft'],
  );
  const d = maxDiff(m.data, f.data);
  t.ok(d < 1e-10, `occulter by MFT, FQPM by FFT: ${d.toExponential(2)} of peak`);
});

t.test("'auto' takes the MFT where it applies, and says so in the Psf and the FITS header", async (t) => {
  const occ = await lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'auto' }).calcPsf({ wavelength: LAM });
  t.match(occ.imagePlanes, [{ plane: 1, method: 'mft', sampling: 4, model: 'analytic', reason: /auto: mask of finite extent/ }]);
  t.equal(occ.header.IMPROP1, 'mft');
  t.equal(occ.header.IMSAMP1, 4);
  t.equal(occ.header.IMMODL1, 'analytic');
  const two = await lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD }), new SquareFieldStop({ size: 20 * LAMD })], propagation: 'auto' }).calcPsf({
    wavelength: LAM,
  });
  t.match(two.imagePlanes, [{ method: 'mft', sampling: 64, model: 'sampled' }], 'two shapes in a plane: sampled at 64 per λ/D');
  const fqpm = await lyot({ mask: [new IdealFQPM({ wavelength: LAM })], propagation: 'auto' }).calcPsf({ wavelength: LAM });
  t.match(fqpm.imagePlanes, [{ method: 'fft', sampling: 4, model: 'sampled', reason: /IdealFQPM has no finite extent/ }]);
  t.equal(fqpm.header.IMPROP1, 'fft');
  const wide = await lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'auto', lyot: 1.2 }).calcPsf({ wavelength: LAM });
  t.match(wide.imagePlanes, [{ method: 'fft', reason: /outside the pupil array/ }], 'a Lyot stop larger than the pupil array keeps the FFT');
});

t.test('sampled masks converge with the sampling towards the analytic model, which does not depend on it', async (t) => {
  const occ = () => [new CircularOcculter({ radius: 2 * LAMD })];
  const run = (maskSampling: number, maskModel: MaskModel) => lyot({ mask: occ(), propagation: 'mft', maskSampling, maskModel }).calcPsf({ wavelength: LAM });
  const exact = await run(4, 'analytic');
  for (const q of [3, 6, 11]) {
    const d = maxDiff((await run(q, 'analytic')).data, exact.data);
    t.ok(d < 1e-7, `analytic at q=${q} vs q=4: ${d.toExponential(2)} of peak`);
  }
  const err: Record<number, number> = {};
  for (const q of [4, 16, 64, 256]) err[q] = maxDiff((await run(q, 'sampled')).data, exact.data);
  const list = [4, 16, 64, 256].map((q) => `q=${q} ${err[q]!.toExponential(2)}`).join(', ');
  t.ok(err[16]! < err[4]! && err[64]! < err[16]! && err[256]! < err[64]!, `sampled masks approach the analytic one: ${list}`);
  t.ok(err[256]! < 2e-4, `sampled at q=256 within 2e-4 of peak: ${err[256]!.toExponential(2)}`);
  const fft4 = maxDiff((await lyot({ mask: occ(), propagation: 'fft', oversample: 4 }).calcPsf({ wavelength: LAM })).data, exact.data);
  t.ok(fft4 > 1e-2, `the FFT at oversample 4 is off by ${fft4.toExponential(2)} of peak`);
});

// A pupil of one lit pixel at x0: after an MFT image plane the pupil field is
// δ(x − x0) + M(x0 − x)/n², M the mask's continuous Fourier transform (the
// convolution theorem), so the analytic model can be checked against M.
t.test('analytic masks: a one-pixel pupil gives back the mask transform (shifted circle, rotated rectangle)', async (t) => {
  const n = 64;
  const i0 = 29;
  const j0 = 36;
  const lit = new Float64Array(n * n);
  lit[i0 * n + j0] = 1;
  const lamD = (LAM / 2) * 206264.806;
  const cases: [string, Optic, (fx: number, fy: number) => [number, number]][] = [
    [
      'occulter r = 2.3 λ/D shifted (0.7, −0.4) λ/D',
      new CircularOcculter({ radius: 2.3 * lamD, shiftX: 0.7 * lamD, shiftY: -0.4 * lamD }),
      (fx, fy) => {
        const a = 2.3;
        const rho = Math.hypot(fx, fy);
        const m = rho === 0 ? -Math.PI * a * a : (-a * besselJ1(2 * Math.PI * a * rho)) / rho;
        const ph = 2 * Math.PI * (fx * 0.7 + fy * -0.4);
        return [m * Math.cos(ph), m * Math.sin(ph)];
      },
    ],
    [
      'bar 1.5 × 6 λ/D at 25°',
      new BarOcculter({ width: 1.5 * lamD, length: 6 * lamD, angle: 25 }),
      (fx, fy) => {
        const th = (25 * Math.PI) / 180;
        const lx = Math.cos(th) * fx + Math.sin(th) * fy;
        const ly = -Math.sin(th) * fx + Math.cos(th) * fy;
        const sinc = (x: number) => (x === 0 ? 1 : Math.sin(x) / x);
        return [-1.5 * 6 * sinc(Math.PI * 1.5 * lx) * sinc(Math.PI * 6 * ly), 0];
      },
    ],
  ];
  for (const [name, mask, transform] of cases) {
    const o = new OpticalSystem({ npix: n, oversample: 2, pupilDiameter: 2, maskModel: 'analytic' });
    o.addPupil(new ArrayOptic({ transmission: lit, shape: [n, n], pixelscale: 2 / n }));
    o.addImage(mask);
    o.addPupil(new CircularAperture({ radius: 0.95 }));
    o.addDetector({ pixelscale: lamD / 2, fovPixels: 8 });
    const p = await o.calcPsf({ wavelength: LAM, returnIntermediates: true });
    t.equal(p.imagePlanes?.[0]?.model, 'analytic');
    const lyotField = p.intermediates![0]![2]!.field;
    const scale = Math.abs(transform(0, 0)[0]) / (n * n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const r = Math.hypot(i - (n - 1) / 2, j - (n - 1) / 2) / n;
        if (r > 0.45) continue; // inside the Lyot stop, away from its gray edge
        const [re, im] = transform((j0 - j) / n, (i0 - i) / n);
        const k = i * n + j;
        const dRe = lyotField[2 * k]! - (re / (n * n) + (k === i0 * n + j0 ? 1 : 0));
        const dIm = lyotField[2 * k + 1]! - im / (n * n);
        worst = Math.max(worst, Math.hypot(dRe, dIm));
      }
    }
    t.ok(worst < 1e-6 * scale, `${name}: ${(worst / scale).toExponential(2)} of |M(0)|/n²`);
  }
});

t.test('Babinet with t ≡ 1 is the identity, and a field stop covering the whole field passes everything', async (t) => {
  const plain = new OpticalSystem({ npix: 96, oversample: 3 });
  plain.addPupil([new CircularAperture({ radius: 1 }), new CircularAperture({ radius: 0.9 })]);
  plain.addDetector({ pixelscale: LAMD / 4, fovPixels: 48 });
  // 'none': the merged pupil would otherwise normalise by its own (smaller) energy.
  const ref = await plain.calcPsf({ wavelength: LAM, normalize: 'none' });
  // A spot far smaller than one of the 12 × 12 subsamples of a box pixel: t = 1 on every sample.
  for (const maskModel of ['sampled', 'analytic'] as const) {
    const tiny = lyot({ mask: [new CircularOcculter({ radius: 1e-9 * LAMD })], propagation: 'mft', npix: 96, oversample: 3, maskSampling: 3, maskModel });
    const d = maxDiff((await tiny.calcPsf({ wavelength: LAM, normalize: 'none' })).data, ref.data);
    t.ok(d < 1e-12, `${maskModel}: an occulter that covers nothing changes the PSF by ${d.toExponential(2)} of peak`);
  }
  // A square stop as wide as the FFT's whole image plane (npix·oversample samples of λ/(D·oversample)):
  // with the FFT's sampling the box is one full period, and the MFT there and back is the identity.
  const wide = lyot({ mask: [new SquareFieldStop({ size: 96 * LAMD })], propagation: 'mft', npix: 96, oversample: 3, maskSampling: 3, maskModel: 'sampled' });
  const d = maxDiff((await wide.calcPsf({ wavelength: LAM, normalize: 'none' })).data, ref.data);
  t.ok(d < 1e-10, `a field stop over the whole field: ${d.toExponential(2)} of peak`);
});

t.test('every parallel mode gives the serial PSF bit for bit on the MFT path (serial kernels on one thread)', async (t) => {
  const source = { wavelengths: [0.9e-6, 1e-6, 1.1e-6], weights: [1, 2, 1] };
  const sys = () => lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'mft' });
  // Mode 1 of the seed: workers run one-thread kernels, so serial does too.
  config.set({ blasThreads: 1 });
  t.teardown(() => config.reset());
  const serial = await sys().calcPsf({ source, parallel: 'none' });
  for (const opts of [{ parallel: 'threads' as const }, { parallel: 'processes' as const, startMethod: 'spawn' as const }]) {
    const p = await sys().calcPsf({ source, ...opts, nProcesses: 2, allowOversubscribe: true });
    const differing = p.data.filter((v, i) => v !== serial.data[i]).length;
    t.equal(differing, 0, `${opts.parallel}${'startMethod' in opts ? `/${opts.startMethod}` : ''}: samples that differ`);
  }
  await shutdownPool();
});

t.test('returnIntermediates: the image plane on its box, with its pixel scale; Parseval through the pupil', async (t) => {
  const p = await lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'mft', maskSampling: 8, maskModel: 'sampled' }).calcPsf({
    wavelength: LAM,
    returnIntermediates: true,
  });
  const planes = p.intermediates![0]!;
  t.same(
    planes.map((x) => x.kind),
    ['pupil', 'image', 'pupil', 'detector'],
  );
  const img = planes[1]!;
  t.ok(Math.abs(img.pixelscale / (LAMD / 8) - 1) < 1e-8, `box pixel λ/(8D): ${img.pixelscale}`);
  t.equal(img.shape[0] % 2, 1, 'the box is odd, a sample on the axis');
  // 'first' divides by the aperture's energy, its open area Σt (t = 1 inside, the open fraction on the edge):
  // the field is t/√Σt, so Σfield · max field = 1, and the samples' Σfield² = Σt²/Σt falls just short of 1.
  let e = 0;
  let sum = 0;
  let max = 0;
  const f0 = planes[0]!.field;
  for (let i = 0; i < f0.length; i += 2) {
    const a = Math.hypot(f0[i]!, f0[i + 1]!);
    e += a * a;
    sum += a;
    max = Math.max(max, a);
  }
  t.ok(Math.abs(sum * max - 1) < 1e-12, `entrance pupil normalised by its open area: Σ|field|·max|field| = ${sum * max}`);
  t.ok(e < 1 && e > 0.99, `its samples' intensity sums to Σt²/Σt = ${e}`);
});

t.test('bad propagation options fail clearly', async (t) => {
  t.throws(() => new OpticalSystem({ propagation: 'fast' as never }), { name: 'RangeError', message: /propagation/ });
  for (const bad of [0, -1, Number.NaN, 1e6]) t.throws(() => new OpticalSystem({ maskSampling: bad }), /maskSampling/, `maskSampling ${bad}`);
  t.throws(() => new OpticalSystem({ maskSampling: '8' as never }), { name: 'TypeError' });
  const o = new OpticalSystem({ npix: 64 });
  t.throws(() => o.addImage(new CircularOcculter({ radius: 0.1 }), { maskSampling: 0.5 }), /planes\[0\]\.maskSampling/);
  const fq = lyot({ mask: [new IdealFQPM({ wavelength: LAM })], propagation: 'mft' });
  await t.rejects(fq.calcPsf({ wavelength: LAM }), { name: 'RangeError', message: /planes\[1\]\.propagation is 'mft' but IdealFQPM has no finite extent/ });
  const json = (extra: object) => ({
    npix: 64,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'image', optics: [{ type: 'CircularOcculter', radius: 0.3 }], ...extra },
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 0.9 }] },
      { kind: 'detector', pixelscale: 0.02, fovPixels: 16 },
    ],
  });
  t.throws(() => loadSystem(json({ propagation: 'MFT' })), /planes\[1\]\.propagation/);
  t.throws(() => loadSystem(json({ maskSampling: -2 })), /planes\[1\]\.maskSampling/);
  const ok = await loadSystem(json({ propagation: 'mft', maskSampling: 5 })).calcPsf({ wavelength: LAM });
  t.match(ok.imagePlanes, [{ method: 'mft', sampling: 5, model: 'analytic', reason: "asked for 'mft'" }]);
  const coarse = await loadSystem(json({ maskSampling: 2 })).calcPsf({ wavelength: LAM });
  t.match(coarse.imagePlanes, [{ method: 'mft', sampling: 2, model: 'sampled' }], 'below 3 per λ/D, auto samples the mask');
  t.throws(() => loadSystem(json({ maskModel: 'exact' })), /planes\[1\]\.maskModel/);
  t.throws(() => new OpticalSystem({ maskModel: 'smooth' as never }), { name: 'RangeError', message: /maskModel/ });
  await t.rejects(loadSystem(json({ maskModel: 'analytic', maskSampling: 2 })).calcPsf({ wavelength: LAM }), /planes\[1\]\.maskSampling must be at least 3/);
  const two = json({ maskModel: 'analytic' });
  (two.planes[1]!.optics as object[]).push({ type: 'SquareFieldStop', size: 2 });
  await t.rejects(loadSystem(two).calcPsf({ wavelength: LAM }), /planes\[1\]\.maskModel is 'analytic' but the plane is not one circle/);
});
