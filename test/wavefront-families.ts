// Wavefront-error families: hexikes (Zernikes orthonormalised over the
// hexagon), the Zernike/hexike ParameterizedWFE, and the sine ripple —
// against closed forms and their defining properties.
import t from 'tap';
import {
  besselJ0,
  besselJ1,
  CircularAperture,
  GaussianAperture,
  HexagonAperture,
  HexikeWFE,
  hexikeCoefficients,
  hexikeToZernike,
  OpticalSystem,
  ParameterizedWFE,
  SineWaveWFE,
  ZernikeWFE,
} from '../lib/index';
import { grid, whole } from './helpers/sampling';

const n = 512;
// 2.0137 m across: no row or column of pixel centres lies on the hexagon's flat edges.
const g = grid(n, 2.0137);
const r = whole(n);
/** RMS of `opd` weighted by `w` (an aperture's samples). */
const rms = (opd: Float64Array, w: Float64Array) => {
  let s = 0;
  let c = 0;
  for (let i = 0; i < opd.length; i++) {
    s += w[i]! * opd[i]! ** 2;
    c += w[i]!;
  }
  return Math.sqrt(s / c);
};
const unit = (k: number, value = 1e-7) => Array.from({ length: k }, (_, i) => (i === k - 1 ? value : 0));

t.test('hexikes match the closed forms of Mahajan & Dai (2006)', async (t) => {
  const c = hexikeCoefficients();
  t.ok(Math.abs(c[0]![0]! - 1) < 1e-14, 'H1 = Z1');
  t.ok(Math.abs(c[1]![1]! - Math.sqrt(6 / 5)) < 1e-13, 'H2 = √(6/5)·Z2');
  t.ok(Math.abs(c[3]![0]! - Math.sqrt(5 / 43)) < 1e-13 && Math.abs(c[3]![3]! - 2 * Math.sqrt(15 / 43)) < 1e-13, 'H4 = √(5/43)·Z1 + 2√(15/43)·Z4');
  t.ok(Math.abs(c[4]![4]! - Math.sqrt(10 / 7)) < 1e-13, 'H5 = √(10/7)·Z5');
});

t.test('each of the first 21 hexike and Zernike terms has RMS equal to its coefficient over its aperture (1e-3)', async (t) => {
  // Hexikes: the Zernike combination evaluated on every pixel the gray hexagon touches, weighted by its coverage.
  const hexagon = new HexagonAperture({ side: 1 }).sample(g, r).amp;
  // Zernikes: pixel centres inside the circle, as ZernikeWFE clips them.
  const circle = new CircularAperture({ radius: 1, grayPixel: false }).sample(g, r).amp;
  let worstHexike = 0;
  let worstZernike = 0;
  for (let k = 1; k <= 21; k++) {
    const h = rms(new ZernikeWFE({ radius: 1, coefficients: hexikeToZernike(unit(k)) }).sample(g, r).opd!, hexagon) / 1e-7;
    const z = rms(new ZernikeWFE({ radius: 1, coefficients: unit(k) }).sample(g, r).opd!, circle) / 1e-7;
    worstHexike = Math.max(worstHexike, Math.abs(h - 1));
    worstZernike = Math.max(worstZernike, Math.abs(z - 1));
  }
  t.ok(worstHexike < 1e-3, `hexikes: worst |RMS/coefficient − 1| = ${worstHexike.toExponential(2)}`);
  t.ok(worstZernike < 1e-3, `Zernikes: worst |RMS/coefficient − 1| = ${worstZernike.toExponential(2)}`);
  // Orthogonality: the RMS of a mixture is the root sum of squares of its coefficients (no piston).
  const a = [0, 3e-8, -5e-8, 2e-8, 7e-8, -1e-8, 4e-8, 0, -6e-8, 2.5e-8, 1e-8, -3e-8, 5e-8, 0, 2e-8];
  const mix = rms(new ZernikeWFE({ radius: 1, coefficients: hexikeToZernike(a) }).sample(g, r).opd!, hexagon);
  const rss = Math.hypot(...a);
  t.ok(Math.abs(mix / rss - 1) < 1e-3, `a mixture of 14 hexikes: RMS ${mix.toExponential(4)} vs √Σa² ${rss.toExponential(4)}`);
});

t.test('HexikeWFE is the Zernike combination inside the hexagon and zero outside; ParameterizedWFE names either basis', async (t) => {
  const a = [0, 2e-8, 0, -4e-8, 1e-8, 0, 3e-8];
  const hex = new HexikeWFE({ radius: 1, coefficients: a }).sample(g, r).opd!;
  const zern = new ZernikeWFE({ radius: 1, coefficients: hexikeToZernike(a) }).sample(g, r).opd!;
  const inside = new HexagonAperture({ side: 1, grayPixel: false }).sample(g, r).amp;
  let inDiff = 0;
  let outMax = 0;
  for (let i = 0; i < hex.length; i++) {
    if (inside[i]) inDiff = Math.max(inDiff, Math.abs(hex[i]! - zern[i]!));
    else outMax = Math.max(outMax, Math.abs(hex[i]!));
  }
  t.equal(inDiff, 0, 'inside: the combination');
  t.equal(outMax, 0, 'outside the hexagon: 0');
  t.same(new ParameterizedWFE({ basis: 'hexike', radius: 1, coefficients: a }).sample(g, r).opd, hex, "basis 'hexike'");
  t.same(
    new ParameterizedWFE({ basis: 'zernike', radius: 1, coefficients: a }).sample(g, r).opd,
    new ZernikeWFE({ radius: 1, coefficients: a }).sample(g, r).opd,
    "basis 'zernike'",
  );
  t.throws(() => new HexikeWFE({ radius: 1, coefficients: new Array(56).fill(0) }), { message: /coefficients: at most 55 hexike terms, got 56/ });
  t.throws(() => new ParameterizedWFE({ basis: 'legendre' as never, radius: 1, coefficients: [] }), { message: /basis/ });
});

t.test('SineWaveWFE: the ripple, turned by its rotation; its first satellites hold (J1(a)/J0(a))² of the core (1%)', async (t) => {
  const s = new SineWaveWFE({ spatialFrequency: 3, amplitude: 5e-8, phaseOffset: 0.1 }).sample(grid(8, 2), whole(8)).opd!;
  const x = (j: number) => (j - 3.5) * 0.25;
  t.ok(Math.abs(s[2]! - 5e-8 * Math.sin(2 * Math.PI * (3 * x(2) + 0.1))) < 1e-22, 'OPD = A·sin(2π(f·x + φ))');
  const turned = new SineWaveWFE({ spatialFrequency: 3, amplitude: 5e-8, rotation: 90 }).sample(grid(8, 2), whole(8)).opd!;
  t.ok(Math.abs(turned[2 * 8 + 5]! - 5e-8 * Math.sin(2 * Math.PI * 3 * x(2))) < 1e-22, 'rotated 90°: a ripple along y');
  // A 2 m pupil with a 10 cycles/m ripple at 1 µm: satellites 1e-5 rad (2.0626″) away, 100 detector pixels. The
  // pupil is apodized (Gaussian) so the core's wings there do not interfere with the satellite.
  const lambda = 1e-6;
  const amplitude = 4e-8;
  const o = new OpticalSystem({ npix: 256 });
  o.addPupil([new CircularAperture({ radius: 1 }), new GaussianAperture({ fwhm: 0.8 }), new SineWaveWFE({ spatialFrequency: 10, amplitude })]);
  const pixelscale = (1e-5 * 206264.80624709636) / 100;
  o.addDetector({ pixelscale, fovPixels: 221 });
  const psf = await o.calcPsf({ wavelength: lambda });
  const c = 110;
  const a = (2 * Math.PI * amplitude) / lambda;
  const ratio = psf.data[c * 221 + c + 100]! / psf.data[c * 221 + c]!;
  const expected = (besselJ1(a) / besselJ0(a)) ** 2;
  t.ok(Math.abs(ratio / expected - 1) < 0.01, `satellite/core ${ratio.toExponential(4)} vs ${expected.toExponential(4)}`);
});
