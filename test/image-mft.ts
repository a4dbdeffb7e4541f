// Image planes by MFT (semi-analytic): the same answer as the FFT when the
// box has the FFT's sampling, the method chosen and reported, every parallel
// mode identical, convergence with the mask sampling, clear errors.
import t from 'tap';
import {
  AnnularFieldStop,
  BarOcculter,
  CircularAperture,
  CircularOcculter,
  IdealFQPM,
  loadSystem,
  type Optic,
  OpticalSystem,
  type Propagation,
  SquareFieldStop,
  shutdownPool,
} from '../lib/index';

const LAM = 1e-6;
const LAMD = (LAM / 2) * 206264.806; // arcsec, D = 2 m

function lyot(opts: { mask: Optic[]; propagation: Propagation; npix?: number; oversample?: number; maskSampling?: number; lyot?: number }): OpticalSystem {
  const o = new OpticalSystem({ npix: opts.npix ?? 128, oversample: opts.oversample ?? 4, propagation: opts.propagation, maskSampling: opts.maskSampling });
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

t.test('MFT ≡ FFT to 1e-10 of peak when the box has the FFT sampling (maskSampling = oversample)', async (t) => {
  for (const [name, mask] of MASKS) {
    for (const [npix, k, offset] of [
      [128, 4, 0],
      [96, 3, 0],
      [75, 3, 0],
      [128, 2, 0.07],
    ] as const) {
      const source = { wavelengths: [LAM], weights: [1], offsetR: offset, offsetTheta: 30 };
      const f = await lyot({ mask: mask(), propagation: 'fft', npix, oversample: k }).calcPsf({ source });
      const m = await lyot({ mask: mask(), propagation: 'mft', npix, oversample: k, maskSampling: k }).calcPsf({ source });
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
    o.addImage(new CircularOcculter({ radius: 2 * LAMD }), { propagation: first, maskSampling: 3 });
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
  t.match(occ.imagePlanes, [{ plane: 1, method: 'mft', sampling: 16, reason: /auto: mask of finite extent/ }]);
  t.equal(occ.header.IMPROP1, 'mft');
  t.equal(occ.header.IMSAMP1, 16);
  const fqpm = await lyot({ mask: [new IdealFQPM({ wavelength: LAM })], propagation: 'auto' }).calcPsf({ wavelength: LAM });
  t.match(fqpm.imagePlanes, [{ method: 'fft', sampling: 4, reason: /IdealFQPM has no finite extent/ }]);
  t.equal(fqpm.header.IMPROP1, 'fft');
  const wide = await lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'auto', lyot: 1.2 }).calcPsf({ wavelength: LAM });
  t.match(wide.imagePlanes, [{ method: 'fft', reason: /outside the pupil array/ }], 'a Lyot stop larger than the pupil array keeps the FFT');
});

t.test('the MFT converges with the mask sampling, and beats the FFT at the same cost', async (t) => {
  const occ = () => [new CircularOcculter({ radius: 2 * LAMD })];
  const ref = await lyot({ mask: occ(), propagation: 'mft', maskSampling: 128 }).calcPsf({ wavelength: LAM });
  const err: Record<number, number> = {};
  for (const q of [4, 16, 64]) err[q] = maxDiff((await lyot({ mask: occ(), propagation: 'mft', maskSampling: q }).calcPsf({ wavelength: LAM })).data, ref.data);
  t.ok(err[16]! < err[4]! && err[64]! < err[16]!, `error falls with sampling: ${[4, 16, 64].map((q) => `q=${q} ${err[q]!.toExponential(2)}`).join(', ')}`);
  t.ok(err[16]! < 1e-2, `default sampling (16): ${err[16]!.toExponential(2)} of peak`);
  const fft4 = maxDiff((await lyot({ mask: occ(), propagation: 'fft', oversample: 4 }).calcPsf({ wavelength: LAM })).data, ref.data);
  t.ok(fft4 > 5 * err[16]!, `the FFT at oversample 4 is off by ${fft4.toExponential(2)}`);
});

t.test('every parallel mode gives the serial PSF (1e-12) on the MFT path', async (t) => {
  const source = { wavelengths: [0.9e-6, 1e-6, 1.1e-6], weights: [1, 2, 1] };
  const sys = () => lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'mft' });
  const serial = await sys().calcPsf({ source, parallel: 'none' });
  for (const opts of [{ parallel: 'threads' as const }, { parallel: 'processes' as const, startMethod: 'spawn' as const }]) {
    const p = await sys().calcPsf({ source, ...opts, nProcesses: 2, allowOversubscribe: true });
    const d = maxDiff(p.data, serial.data);
    t.ok(d < 1e-12, `${opts.parallel}${'startMethod' in opts ? `/${opts.startMethod}` : ''}: ${d.toExponential(1)} of peak`);
  }
  await shutdownPool();
});

t.test('returnIntermediates: the image plane on its box, with its pixel scale; Parseval through the pupil', async (t) => {
  const p = await lyot({ mask: [new CircularOcculter({ radius: 3 * LAMD })], propagation: 'mft', maskSampling: 8 }).calcPsf({
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
  let e = 0;
  for (let i = 0; i < planes[0]!.field.length; i++) e += planes[0]!.field[i]! ** 2;
  t.ok(Math.abs(e - 1) < 1e-12, `entrance pupil intensity sums to 1: ${e}`);
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
  t.match(ok.imagePlanes, [{ method: 'mft', sampling: 5, reason: "asked for 'mft'" }]);
});
