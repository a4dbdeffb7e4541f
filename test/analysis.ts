// Measuring PSFs against analytic results: the unobscured Airy pattern's
// encircled energy at its first three dark rings is 1 − J0² (1e-3), its FWHM
// is 1.029 λ/D by both estimators (0.5 %), radiusAtEe inverts EE; the Strehl
// ratio of small Zernike aberrations is exp(−(2πσ/λ)²) (1 % for σ ≤ λ/14);
// an offset source's centroid is found to 0.01 px.
import t from 'tap';
import {
  besselJ0,
  besselJ1,
  centroid,
  CircularAperture,
  contrastCurve,
  difference,
  encircledEnergy,
  fwhm,
  marechalStrehl,
  OpticalSystem,
  radialProfile,
  sharpness,
  ZernikeWFE,
} from '../lib/index';

const WAVELENGTH = 1e-6;
const D = 2;
const LOD = ((WAVELENGTH / D) * 180 * 3600) / Math.PI; // λ/D, arcsec

/** The Airy PSF of a D = 2 m circle, `perLod` pixels per λ/D, normalised to the entrance pupil's flux. */
async function airyPsf(perLod: number, fovLod = 8, extra: object[] = [], source: object = {}) {
  const o = new OpticalSystem({ npix: 512 });
  o.addPupil([new CircularAperture({ radius: D / 2 }), ...(extra as never[])]);
  o.addDetector({ pixelscale: LOD / perLod, fovPixels: 2 * Math.round(fovLod * perLod) + 1 });
  return { osys: o, psf: await o.calcPsf({ source: { wavelengths: [WAVELENGTH], ...source }, normalize: 'first' }) };
}

/** Airy-pattern EE at x = π·r/(λ/D): 1 − J0(x)² − J1(x)². */
const airyEe = (x: number) => 1 - besselJ0(x) ** 2 - besselJ1(x) ** 2;

t.test('encircled energy at the first three dark rings is 1 − J0² (1e-3); the radial profile ends at the same EE', async (t) => {
  const { psf } = await airyPsf(8, 12);
  const zeros = [3.831706, 7.015587, 10.173468];
  const ee = psf.encircledEnergy(
    zeros.map((x) => (x / Math.PI) * LOD),
    { total: 1 },
  );
  zeros.forEach((x, k) => {
    t.ok(Math.abs(ee[k]! - airyEe(x)) < 1e-3, `ring ${k + 1}: ${ee[k]!.toFixed(6)} vs ${airyEe(x).toFixed(6)}`);
  });
  const p = radialProfile(psf.image(), { total: 1 });
  const k = 40;
  const at = encircledEnergy(psf.image(), (k + 0.5) * psf.pixelscale, { total: 1 })[0]!;
  t.ok(Math.abs(p.ee[k]! - at) < 1e-12, `profile EE ${p.ee[k]} = encircledEnergy ${at} at the ring's edge`);
  // The first dark ring is 1.22 λ/D = 9.76 px out: ring 10 holds it.
  t.ok(p.mean[10]! < 2e-3 * p.mean[0]!, `ring 10 (the first dark ring): ${(p.mean[10]! / p.mean[0]!).toExponential(2)} of the centre`);
});

// EE is flat at a dark ring (dEE/dr ∝ I = 0), so a radius at a given EE is
// ill-conditioned there: 83.8 % is reached 5 % beyond the first dark ring
// (EE there is 83.78 %), and 1e-4 of EE moves it by 2 %. Test where the
// inverse is well-conditioned, and the exact inversion of the image's EE.
t.test('radiusAtEe inverts EE: the analytic radius at 50, 70 and 90 % (0.5 %); EE at the found radius to 1e-9', async (t) => {
  const { psf } = await airyPsf(8, 12);
  for (const fraction of [0.5, 0.7, 0.9]) {
    let [lo, hi] = [0.1, 7];
    while (hi - lo > 1e-12) [lo, hi] = airyEe((lo + hi) / 2) < fraction ? [(lo + hi) / 2, hi] : [lo, (lo + hi) / 2];
    const analytic = (lo / Math.PI) * LOD;
    const r = psf.radiusAtEe(fraction, { total: 1 });
    t.ok(Math.abs(r / analytic - 1) < 5e-3, `r(EE ${fraction}) = ${(r / LOD).toFixed(4)} λ/D vs ${(analytic / LOD).toFixed(4)} λ/D`);
    t.ok(Math.abs(encircledEnergy(psf.image(), r, { total: 1 })[0]! - fraction) < 1e-9, `EE at that radius is ${fraction}`);
  }
  const r1 = (1.2197 * LOD) as number;
  const atRing = encircledEnergy(psf.image(), r1, { total: 1 })[0]!;
  t.ok(Math.abs(psf.radiusAtEe(atRing, { total: 1 }) / r1 - 1) < 1e-6, 'the radius of the EE at the first dark ring is that ring');
  t.throws(() => psf.radiusAtEe(0.999, { total: 1 }), { message: /fraction 0\.999 is more than the image holds/ });
});

t.test('FWHM = 1.029 λ/D by both estimators (0.5 %) at 8, 4 and 3 pixels per λ/D', async (t) => {
  for (const perLod of [8, 4, 3]) {
    const { psf } = await airyPsf(perLod);
    for (const method of ['profile', 'fit'] as const) {
      const w = fwhm(psf.image(), { method }) / LOD;
      t.ok(Math.abs(w / 1.02899 - 1) < 5e-3, `${perLod} px per λ/D, ${method}: ${w.toFixed(5)} λ/D`);
    }
  }
});

t.test("Strehl of small Zernike aberrations is Maréchal's exp(−(2πσ/λ)²) (1 % for σ ≤ λ/14); marechalStrehl reads σ from the pupil", async (t) => {
  const { psf: ref } = await airyPsf(4);
  for (const noll of [4, 5, 6]) {
    for (const sigma of [WAVELENGTH / 40, WAVELENGTH / 20, WAVELENGTH / 14]) {
      const coefficients = new Array(noll).fill(0);
      coefficients[noll - 1] = sigma;
      const { osys, psf } = await airyPsf(4, 8, [new ZernikeWFE({ radius: D / 2, coefficients })]);
      const expected = Math.exp(-(((2 * Math.PI * sigma) / WAVELENGTH) ** 2));
      const s = psf.strehl(ref);
      t.ok(Math.abs(s / expected - 1) < 0.01, `Z${noll}, σ = λ/${(WAVELENGTH / sigma).toFixed(0)}: ${s.toFixed(5)} vs ${expected.toFixed(5)}`);
      const m = marechalStrehl(osys, WAVELENGTH);
      t.ok(Math.abs(m.rmsOpd / sigma - 1) < 2e-3 && Math.abs(m.strehl / expected - 1) < 1e-3, `pupil σ ${(m.rmsOpd * 1e9).toFixed(3)} nm`);
    }
  }
});

t.test('an offset source: the iterative centroid is at the offset to 0.01 px; com agrees without a background', async (t) => {
  const perLod = 4;
  const offsetR = 0.061;
  const offsetTheta = 35;
  const { psf } = await airyPsf(perLod, 12, [], { offsetR, offsetTheta });
  const th = (offsetTheta * Math.PI) / 180;
  const [ex, ey] = [(-offsetR * Math.sin(th)) / psf.pixelscale, (offsetR * Math.cos(th)) / psf.pixelscale];
  const c = centroid(psf.image(), { radius: 3 * perLod });
  const [n] = psf.shape;
  t.ok(
    Math.abs(c.x - (n - 1) / 2 - ex) < 0.01 && Math.abs(c.y - (n - 1) / 2 - ey) < 0.01,
    `(${(c.x - (n - 1) / 2).toFixed(4)}, ${(c.y - (n - 1) / 2).toFixed(4)}) px vs (${ex.toFixed(4)}, ${ey.toFixed(4)})`,
  );
  t.ok(Math.abs(c.offsetArcsec[1] - ex * psf.pixelscale) < 0.01 * psf.pixelscale, 'offset in arcsec');
  const com = centroid(psf.image(), { method: 'com' });
  t.ok(Math.abs(com.x - c.x) < 0.05 && Math.abs(com.y - c.y) < 0.05, `com (${com.x.toFixed(3)}, ${com.y.toFixed(3)})`);
});

t.test('sharpness, contrast curve and difference on known images; bad input names the argument', async (t) => {
  const flat = { data: new Float64Array(100).fill(2), shape: [10, 10] as [number, number], pixelscale: 0.1 };
  t.ok(Math.abs(sharpness(flat) - 0.01) < 1e-15, 'flat 10×10: 1/100');
  const spike = { ...flat, data: new Float64Array(100) };
  spike.data[55] = 3;
  t.equal(sharpness(spike), 1, 'one bright pixel: 1');
  const c = contrastCurve(flat, { offAxisPeak: 200 });
  t.ok(
    c.mean.every((v, k) => (c.count[k]! > 0 ? Math.abs(v - 0.01) < 1e-15 && c.std[k] === 0 : v === 0)) && c.count.reduce((a, b) => a + b) === 100,
    'flat image: contrast 2/200 everywhere, no spread',
  );
  const d = difference(spike, flat);
  t.equal(d.maxAbs, 2, 'largest difference');
  t.throws(() => difference(spike, { ...flat, shape: [5, 20] }), { message: /differ in shape/ });
  t.throws(() => fwhm({ ...flat, pixelscale: -1 }), { message: /image\.pixelscale must be greater than 0/ });
  t.throws(() => fwhm(flat, { method: 'gauss' as never }), { message: /options\.method must be one of/ });
  t.throws(() => encircledEnergy(flat, [-1]), { message: /radii\[0\] must be at least 0/ });
  t.throws(() => radialProfile({ ...flat, data: new Float64Array(100).fill(Number.NaN) }), { message: /image\.data\[0\] is NaN/ });
  t.throws(() => centroid(flat, { radius: 1, method: 'iterative', box: 3 } as never), { message: /box/ });
  t.throws(() => contrastCurve(flat, { offAxisPeak: 0 }), { message: /offAxisPeak must be greater than 0/ });
});
