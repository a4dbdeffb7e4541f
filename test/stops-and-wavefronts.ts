// The rest of POPPY's analytic optics: field stops, knife edge, phase mask,
// Gaussian aperture, asymmetric spiders, scalar OPD, tip/tilt and inverse
// transmission — each against what it must equal.
import t from 'tap';
import {
  AsymmetricSecondaryObscuration,
  CircularAperture,
  CircularOcculter,
  CircularPhaseMask,
  GaussianAperture,
  HexagonAperture,
  HexagonFieldStop,
  InverseTransmission,
  KnifeEdge,
  type Optic,
  OpticalSystem,
  opticFromJson,
  RectangularFieldStop,
  ScalarOpticalPathDifference,
  SecondaryObscuration,
  TipTilt,
  ZernikeWFE,
} from '../lib/index';
import { area, grid, whole } from './helpers/sampling';

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

t.test('field stops transmit their area (1e-4); a hexagonal stop samples as the hexagonal aperture', async (t) => {
  // Rotated, as the aperture tests do: an edge along the pixel grid meets the 12 × 12 edge sampling at one phase all along.
  const r = area(new RectangularFieldStop({ width: 0.8, height: 0.3, rotation: 30 }), 1024, 1);
  t.ok(Math.abs(r / 0.24 - 1) < 1e-4, `rectangle 0.8″ × 0.3″: ${r.toFixed(6)}`);
  const hex = new HexagonFieldStop({ flatToFlat: 0.5 });
  const s = 0.5 / Math.sqrt(3);
  t.ok(Math.abs(area(hex, 1024, 0.7) / (((3 * Math.sqrt(3)) / 2) * s * s) - 1) < 1e-4, 'hexagon of flat-to-flat 0.5″');
  const g = grid(128, 0.7);
  t.same(hex.sample(g, whole(128)).amp, new HexagonAperture({ flatToFlat: 0.5 }).sample(g, whole(128)).amp, 'same samples as HexagonAperture');
  t.throws(() => new HexagonFieldStop({}), { message: /needs exactly one of side or flatToFlat/ });
});

t.test('KnifeEdge is opaque for x > 0, and turns with its rotation', async (t) => {
  const n = 64;
  const g = grid(n, 2);
  const at = (a: Float64Array, x: number, y: number) => a[Math.round(y / g.scale + g.cy) * n + Math.round(x / g.scale + g.cx)];
  const k = new KnifeEdge({}).sample(g, whole(n)).amp;
  t.equal(at(k, 0.5, 0.3), 0, 'x > 0: opaque');
  t.equal(at(k, -0.5, 0.3), 1, 'x < 0: clear');
  t.equal(sum(k), (n * n) / 2, 'half the plane (the edge falls between pixels)');
  const r = new KnifeEdge({ rotation: 90 }).sample(g, whole(n)).amp;
  t.equal(at(r, 0.3, 0.5), 0, 'rotated 90°: opaque for y > 0');
  t.equal(at(r, 0.3, -0.5), 1);
});

t.test('CircularPhaseMask: OPD retardance × wavelength inside the radius; MFT and FFT agree', async (t) => {
  const n = 64;
  const g = grid(n, 2);
  const opd = new CircularPhaseMask({ radius: 0.5, wavelength: 1e-6, retardance: 0.25 }).sample(g, whole(n)).opd!;
  t.equal(opd[(n / 2) * n + n / 2], 0.25e-6, 'inside');
  t.equal(opd[0], 0, 'outside');
  const psf = async (propagation: 'fft' | 'mft') => {
    const o = new OpticalSystem({ npix: 128, oversample: 4 });
    o.addPupil(new CircularAperture({ radius: 1 }));
    o.addImage(new CircularPhaseMask({ radius: 0.06, wavelength: 1e-6 }), { propagation, maskSampling: 4 });
    o.addPupil(new CircularAperture({ radius: 0.9 }));
    o.addDetector({ pixelscale: 0.01, fovPixels: 60 });
    return o.calcPsf({ wavelength: 1e-6 });
  };
  const [fft, mft] = [await psf('fft'), await psf('mft')];
  t.ok(maxDiff(fft.data, mft.data) < 1e-10 * fft.peak(), `MFT ≡ FFT (${(maxDiff(fft.data, mft.data) / fft.peak()).toExponential(2)} of peak)`);
});

t.test('GaussianAperture: amplitude 1/2 at r = fwhm/2 and 1/e at r = w; pupil diameter 3 × fwhm', async (t) => {
  const g = new GaussianAperture({ fwhm: 1 });
  const w = 1 / (2 * Math.sqrt(Math.LN2));
  const grid1 = (x: number) => ({ ny: 1, nx: 2, cy: 0, cx: 0, scale: x });
  t.ok(Math.abs(g.sample(grid1(0.5), { y0: 0, x0: 0, ny: 1, nx: 2 }).amp[1]! - 0.5) < 1e-14, 'r = fwhm/2: 0.5');
  t.ok(Math.abs(new GaussianAperture({ w: 0.7 }).sample(grid1(0.7), { y0: 0, x0: 0, ny: 1, nx: 2 }).amp[1]! - Math.exp(-1)) < 1e-14, 'r = w: 1/e');
  t.equal(g.sample(grid1(0.5), { y0: 0, x0: 0, ny: 1, nx: 2 }).amp[0], 1, 'r = 0: 1');
  t.ok(Math.abs(w - g.beamWidth) < 1e-15, 'w = fwhm / (2√ln 2)');
  t.equal(g.pupilDiameter(), 3);
  t.throws(() => new GaussianAperture({}), { message: /needs exactly one of fwhm or w/ });
});

t.test('AsymmetricSecondaryObscuration: evenly spaced struts equal SecondaryObscuration; offsets move a strut’s start', async (t) => {
  const n = 256;
  const g = grid(n, 2.2);
  const even = new SecondaryObscuration({ secondaryRadius: 0.2, nSupports: 3, supportWidth: 0.03 }).sample(g, whole(n)).amp;
  const asym = new AsymmetricSecondaryObscuration({ secondaryRadius: 0.2, supportAngle: [0, 120, 240], supportWidth: 0.03 }).sample(g, whole(n)).amp;
  t.same(asym, even, 'angles 0, 120, 240 and one width: the symmetric obscuration');
  const at = (a: Float64Array, x: number, y: number) => a[Math.round(y / g.scale + g.cy) * n + Math.round(x / g.scale + g.cx)];
  // One strut toward +y starting at (0.5, -0.6), outside the central disk.
  const off = new AsymmetricSecondaryObscuration({
    secondaryRadius: 0.1,
    supportAngle: [0],
    supportWidth: 0.05,
    supportOffsetX: 0.5,
    supportOffsetY: -0.6,
  }).sample(g, whole(n)).amp;
  t.equal(at(off, 0.5, 0.4), 0, 'on the strut, past its start: blocked');
  t.equal(at(off, 0.5, -0.8), 1, 'before its start: clear');
  t.equal(at(off, 0, 0), 0, 'the central disk');
  t.throws(() => new AsymmetricSecondaryObscuration({ secondaryRadius: 0.1, supportAngle: [0, 90], supportWidth: [0.1, 0.1, 0.1] }), {
    message: /supportWidth needs one value or 2 \(one per strut\), got 3/,
  });
});

/** The PSF of a 2 m circular pupil with extra optics, at 1 µm. */
async function psfWith(extra: Optic[], source: { offsetR?: number; offsetTheta?: number } = {}) {
  const o = new OpticalSystem({ npix: 128, oversample: 2 });
  o.addPupil([new CircularAperture({ radius: 1 }), ...extra]);
  o.addDetector({ pixelscale: 0.02, fovPixels: 40 });
  return o.calcPsf({ source: { wavelengths: [1e-6], ...source } });
}

t.test('ScalarOpticalPathDifference changes no intensity; TipTilt moves the image as a source offset does', async (t) => {
  const flat = await psfWith([]);
  const piston = await psfWith([new ScalarOpticalPathDifference({ opd: 3.3e-7 })]);
  t.ok(maxDiff(flat.data, piston.data) < 1e-14 * flat.peak(), 'a uniform OPD is invisible in intensity');
  for (const [tip, tilt] of [
    [0.05, 0],
    [0, -0.03],
    [0.02, 0.04],
  ]) {
    const tipTilt = await psfWith([new TipTilt({ tipArcsec: tip, tiltArcsec: tilt })]);
    // A source offset lands at x = −r·sin θ, y = r·cos θ.
    const offset = await psfWith([], { offsetR: Math.hypot(tip, tilt), offsetTheta: (Math.atan2(-tip, tilt) * 180) / Math.PI });
    t.ok(
      maxDiff(tipTilt.data, offset.data) < 1e-9 * flat.peak(),
      `tip ${tip}″, tilt ${tilt}″: the source-offset PSF (${(maxDiff(tipTilt.data, offset.data) / flat.peak()).toExponential(2)})`,
    );
  }
});

t.test('InverseTransmission: 1 − T of one shape; refuses anything else; JSON', async (t) => {
  const n = 64;
  const g = grid(n, 2.2);
  const open = new CircularAperture({ radius: 0.7 }).sample(g, whole(n)).amp;
  const inverse = new InverseTransmission({ optic: new CircularAperture({ radius: 0.7 }) });
  const inv = inverse.sample(g, whole(n)).amp;
  t.ok(
    open.every((v, i) => Math.abs(v + inv[i]! - 1) < 1e-15),
    'T + (1 − T) = 1 at every sample',
  );
  t.same(inv, new CircularOcculter({ radius: 0.7 }).sample(g, whole(n)).amp, 'an inverted circular aperture is the circular occulter');
  t.equal(inverse.outside(), 1, 'clear beyond the aperture');
  t.throws(() => new InverseTransmission({ optic: new ZernikeWFE({ radius: 1, coefficients: [0, 1e-7] }) }), {
    message: /InverseTransmission inverts optics of one analytic shape; ZernikeWFE is not one/,
  });
  const json = { type: 'InverseTransmission', optic: { type: 'CircularOcculter', radius: 0.3 } };
  t.same(opticFromJson(json, 'optic').toJSON(), json, 'JSON round trip');
  t.throws(() => opticFromJson({ type: 'InverseTransmission', optic: { type: 'CircularOcculter', radius: -1 } }, 'planes[1].optics[0]'), {
    message: /planes\[1\]\.optics\[0\]\.optic\.radius/,
  });
});
