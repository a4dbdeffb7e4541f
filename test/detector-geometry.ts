// Rectangular, offset and turned detectors. A rectangle whose edges fall on
// pupil pixel edges is sampled exactly, so its PSF is a product of Dirichlet
// kernels at every detector pixel's field position: the reference is that
// closed form, not another MFT. Pixel (row r, column c) of an [ny, nx]
// detector sits at q = ((c − (nx−1)/2)·s, (r − (ny−1)/2)·s) in the detector's
// frame, and at offset + R(rotation)·q in the field.
import t from 'tap';
import { CircularAperture, CircularOcculter, OpticalSystem, RectangleAperture } from '../lib/index';

const RAD = Math.PI / (180 * 3600); // radians per arcsec
const N = 64;
const D = 2;
const DX = D / N;
const LAMBDA = 1e-6;
const [MX, MY] = [40, 20]; // the rectangle in pupil pixels: wide along x

/** |Σ over m samples at half-integer offsets of exp(−2πi·x·u/λ)|, u in radians. */
function dirichlet(m: number, u: number): number {
  const a = (Math.PI * DX * u) / LAMBDA;
  return Math.abs(a) < 1e-12 ? m : Math.sin(m * a) / Math.sin(a);
}

type Geometry = { fovPixels: [number, number]; oversample: number; offsetX: number; offsetY: number; rotation: number };

/** The continuous rectangle's |FT| (sinc of the full width), for comparison with finer samplings. */
function sinc(m: number, u: number): number {
  const a = (Math.PI * m * DX * u) / LAMBDA;
  return Math.abs(a) < 1e-12 ? m : (m * Math.sin(a)) / a;
}

/** The exact intensity (up to scale) at each pixel, for a source at (sx, sy) arcsec. */
function reference(g: Geometry, pixelscale: number, sx: number, sy: number, kernel = dirichlet): Float64Array {
  const [ny, nx] = [g.fovPixels[0] * g.oversample, g.fovPixels[1] * g.oversample];
  const s = pixelscale / g.oversample;
  const [c, sn] = [Math.cos((g.rotation * Math.PI) / 180), Math.sin((g.rotation * Math.PI) / 180)];
  const out = new Float64Array(ny * nx);
  for (let r = 0; r < ny; r++) {
    for (let k = 0; k < nx; k++) {
      const [qx, qy] = [(k - (nx - 1) / 2) * s, (r - (ny - 1) / 2) * s];
      const x = g.offsetX + c * qx - sn * qy - sx;
      const y = g.offsetY + sn * qx + c * qy - sy;
      out[r * nx + k] = (kernel(MX, x * RAD) * kernel(MY, y * RAD)) ** 2;
    }
  }
  return out;
}

/** Largest |a − k·b| over the peak of k·b, k the least-squares scale. */
function misfit(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    bb += b[i]! * b[i]!;
  }
  const k = ab / bb;
  let worst = 0;
  let peak = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - k * b[i]!));
    peak = Math.max(peak, k * b[i]!);
  }
  return worst / peak;
}

async function rectanglePsf(g: Geometry, pixelscale: number, offset: { offsetR: number; offsetTheta: number }, npix = N) {
  const o = new OpticalSystem({ npix, pupilDiameter: D });
  o.addPupil(new RectangleAperture({ width: MX * DX, height: MY * DX }));
  o.addDetector({ pixelscale, ...g });
  return o.calcPsf({ source: { wavelengths: [LAMBDA], ...offset } });
}

/** Source position (x, y) arcsec for offsetR / offsetTheta (degrees counter-clockwise from +y). */
const sourceAt = (r: number, theta: number) => [-r * Math.sin((theta * Math.PI) / 180), r * Math.cos((theta * Math.PI) / 180)] as const;

t.test('an [ny, nx] detector holds ny rows along y and nx columns along x, offset and turned, exactly', async (t) => {
  const pixelscale = 0.01;
  const offset = { offsetR: 0.035, offsetTheta: 60 };
  const [sx, sy] = sourceAt(offset.offsetR, offset.offsetTheta);
  const cases: [string, Geometry][] = [
    ['[12, 20] pixels', { fovPixels: [12, 20], oversample: 1, offsetX: 0, offsetY: 0, rotation: 0 }],
    ['[9, 14] pixels, oversample 3, offset', { fovPixels: [9, 14], oversample: 3, offsetX: 0.05, offsetY: -0.02, rotation: 0 }],
    ['turned 90°, offset', { fovPixels: [20, 12], oversample: 2, offsetX: -0.03, offsetY: 0.04, rotation: 90 }],
    ['turned −90°', { fovPixels: [15, 8], oversample: 2, offsetX: 0.01, offsetY: 0, rotation: -90 }],
  ];
  for (const [what, g] of cases) {
    const psf = await rectanglePsf(g, pixelscale, offset);
    t.same(psf.shape, [g.fovPixels[0] * g.oversample, g.fovPixels[1] * g.oversample], `${what}: shape [ny, nx]`);
    const err = misfit(psf.data, reference(g, pixelscale, sx, sy));
    t.ok(err < 1e-10, `${what}: matches the Dirichlet kernels to ${err.toExponential(2)} of peak`);
    t.same(psf.detSampled.shape, g.fovPixels, `${what}: detector-sampled shape`);
  }
});

t.test('a detector turned by 30° sees the rectangle turned by −30°, converging with pupil sampling', async (t) => {
  const g: Geometry = { fovPixels: [16, 16], oversample: 2, offsetX: 0.01, offsetY: 0.02, rotation: 30 };
  const still = { offsetR: 0, offsetTheta: 0 };
  const errors = [];
  for (const npix of [64, 256]) errors.push(misfit((await rectanglePsf(g, 0.01, still, npix)).data, reference(g, 0.01, 0, 0, sinc)));
  t.ok(
    errors[1]! < 2e-4 && errors[1]! < errors[0]! / 4,
    `vs the continuous rectangle: ${errors.map((e) => e.toExponential(2)).join(' at npix 64, ')} at npix 256`,
  );
  const unturned = misfit((await rectanglePsf(g, 0.01, still, 256)).data, reference({ ...g, rotation: 0 }, 0.01, 0, 0, sinc));
  t.ok(unturned > 0.1, `the unturned reference is far off: ${unturned.toExponential(2)}`);
});

t.test('through a coronagraph, a turned and offset detector equals the whole system turned the other way', async (t) => {
  const build = (turn: number, detector: Geometry & { pixelIntegration?: number }) => {
    const [c, s] = [Math.cos((turn * Math.PI) / 180), Math.sin((turn * Math.PI) / 180)];
    const at = (x: number, y: number) => ({ shiftX: c * x - s * y, shiftY: s * x + c * y, rotation: turn });
    const o = new OpticalSystem({ npix: 64, oversample: 4 });
    o.addPupil([new CircularAperture({ radius: 1 }), new RectangleAperture({ width: 1.6, height: 1.2, ...at(0.1, -0.05) })]);
    o.addImage(new CircularOcculter({ radius: 0.12, ...at(0.02, 0.01) }));
    o.addPupil(new CircularAperture({ radius: 0.9, ...at(-0.02, 0) }));
    o.addDetector({ pixelscale: 0.02, ...detector });
    return o;
  };
  const rotation = 25;
  const [ox, oy] = [0.06, -0.04];
  const [c, s] = [Math.cos((-rotation * Math.PI) / 180), Math.sin((-rotation * Math.PI) / 180)];
  const turnedDetector = { fovPixels: [14, 22] as [number, number], oversample: 2, offsetX: ox, offsetY: oy, rotation, pixelIntegration: 2 };
  const plainDetector = { ...turnedDetector, offsetX: c * ox - s * oy, offsetY: s * ox + c * oy, rotation: 0 };
  const source = { wavelengths: [1.1e-6, 1.3e-6], weights: [0.6, 0.4], offsetR: 0.05, offsetTheta: 40 };
  for (const parallel of ['none', 'threads', 'processes'] as const) {
    const a = await build(0, turnedDetector).calcPsf({ source, parallel });
    const b = await build(-rotation, plainDetector).calcPsf({ source: { ...source, offsetTheta: 40 - rotation }, parallel });
    const peak = Math.max(...b.data);
    const err = Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!))) / peak;
    t.ok(err < 1e-12, `${parallel}: ${err.toExponential(2)} of peak`);
  }
});

t.test('detector geometry errors name the option; the header records it', async (t) => {
  const o = new OpticalSystem({ npix: 32 });
  o.addPupil(new CircularAperture({ radius: 1 }));
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovPixels: [4, 0] }), { message: /fovPixels\[1\] must be/ });
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovPixels: [4, 5, 6] as never }), { message: /fovPixels must be a number or \[y, x\]/ });
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovArcsec: [0.1, Number.NaN] }), { message: /fovArcsec\[1\] must be/ });
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovPixels: 4, rotation: 400 }), { message: /rotation must be/ });
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovPixels: 4, offsetX: Number.POSITIVE_INFINITY }), { message: /offsetX must be/ });
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovPixels: 4, tilt: 3 } as never), { message: /tilt is not a detector option/ });
  o.addDetector({ pixelscale: 0.01, fovArcsec: [0.06, 0.1], offsetX: 0.02, offsetY: -0.01, rotation: 12 });
  const psf = await o.calcPsf({ wavelength: 1e-6 });
  t.same(psf.shape, [6, 10], 'fovArcsec [y, x]');
  t.same([psf.header.DETOFFX, psf.header.DETOFFY, psf.header.DETROT], [0.02, -0.01, 12]);
  t.same([psf.header.FOV_Y, psf.header.FOV_X], [0.06, 0.1]);
});

/** The mean of dirichlet(m, ·)² over [a, b] (radians), exactly: Σ_j (m − |j|)·cos(2π·j·dx·u/λ) integrated term by term. */
function dirichletSquaredMean(m: number, a: number, b: number): number {
  let sum = m * (b - a);
  for (let j = 1; j < m; j++) {
    const k = (2 * Math.PI * j * DX) / LAMBDA;
    sum += (2 * (m - j) * (Math.sin(k * b) - Math.sin(k * a))) / k;
  }
  return sum / (b - a);
}

/** The exact mean intensity (up to scale) over each pixel of an unturned detector, source on axis. */
function pixelMeans(g: Geometry, pixelscale: number): Float64Array {
  const [ny, nx] = [g.fovPixels[0] * g.oversample, g.fovPixels[1] * g.oversample];
  const s = pixelscale / g.oversample;
  const along = (n: number, m: number, offset: number) =>
    Array.from({ length: n }, (_, k) => {
      const centre = offset + (k - (n - 1) / 2) * s;
      return dirichletSquaredMean(m, (centre - s / 2) * RAD, (centre + s / 2) * RAD);
    });
  const [ys, xs] = [along(ny, MY, g.offsetY), along(nx, MX, g.offsetX)];
  return Float64Array.from({ length: ny * nx }, (_, i) => ys[Math.floor(i / nx)]! * xs[i % nx]!);
}

t.test('pixelIntegration integrates each pixel by Gauss–Legendre: converges to the exact pixel means', async (t) => {
  const g: Geometry = { fovPixels: [9, 12], oversample: 1, offsetX: 0.013, offsetY: -0.02, rotation: 0 };
  const pixelscale = 0.06; // about λ/(3W): the intensity varies across a pixel
  const exact = pixelMeans(g, pixelscale);
  const errors: number[] = [];
  for (const pixelIntegration of [1, 2, 4, 8]) {
    const o = new OpticalSystem({ npix: N, pupilDiameter: D });
    o.addPupil(new RectangleAperture({ width: MX * DX, height: MY * DX }));
    o.addDetector({ pixelscale, ...g, pixelIntegration });
    const psf = await o.calcPsf({ wavelength: LAMBDA });
    errors.push(misfit(psf.data, exact));
    if (pixelIntegration === 8) t.equal(psf.header.PIXINTEG, 8, 'header PIXINTEG');
  }
  const shown = errors.map((e) => e.toExponential(1)).join(', ');
  t.ok(errors[0]! > 1e-2, `centre values differ from pixel means: ${errors[0]!.toExponential(2)}`);
  t.ok(
    errors.every((e, i) => i === 0 || e < errors[i - 1]! / 10),
    `each order is 10× closer: ${shown}`,
  );
  t.ok(errors[3]! < 1e-9, `8 nodes: ${errors[3]!.toExponential(2)} of peak`);
});

t.test('integrated oversampled pixels bin into integrated detector pixels', async (t) => {
  const g: Geometry = { fovPixels: [6, 8], oversample: 3, offsetX: 0, offsetY: 0.01, rotation: 0 };
  const o = new OpticalSystem({ npix: N, pupilDiameter: D });
  o.addPupil(new RectangleAperture({ width: MX * DX, height: MY * DX }));
  o.addDetector({ pixelscale: 0.06, ...g, pixelIntegration: 8 });
  const psf = await o.calcPsf({ wavelength: LAMBDA });
  const err = misfit(psf.detSampled.data, pixelMeans({ ...g, oversample: 1 }, 0.06));
  t.ok(err < 1e-9, `DET_SAMP vs the exact detector-pixel means: ${err.toExponential(2)}`);
});

t.test('an offset, pixel-integrated detector is a window of a larger centred one: direct, FFT and MFT image-plane paths', async (t) => {
  const build = (propagation: 'fft' | 'mft' | undefined, detector: { fovPixels: [number, number]; offsetX?: number; offsetY?: number }) => {
    const o = new OpticalSystem({ npix: 64, oversample: 4, ...(propagation ? { propagation } : {}) });
    o.addPupil(new RectangleAperture({ width: 1.5, height: 1.1, rotation: 10 }));
    if (propagation) {
      o.addImage(new CircularOcculter({ radius: 0.1 }));
      o.addPupil(new CircularAperture({ radius: 0.6 }));
    }
    o.addDetector({ pixelscale: 0.02, oversample: 2, pixelIntegration: 2, ...detector });
    return o;
  };
  // The small detector is centred 5 computed pixels (of 0.01″) right of the big one and 3 below.
  for (const propagation of [undefined, 'fft', 'mft'] as const) {
    const source = { wavelengths: [1e-6], offsetR: 0.03, offsetTheta: 20 };
    const big = await build(propagation, { fovPixels: [16, 20] }).calcPsf({ source });
    const small = await build(propagation, { fovPixels: [10, 12], offsetX: 0.05, offsetY: -0.03 }).calcPsf({ source });
    const [bny, bnx] = big.shape;
    const [sny, snx] = small.shape;
    const [r0, c0] = [(bny - sny) / 2 - 3, (bnx - snx) / 2 + 5];
    let worst = 0;
    for (let r = 0; r < sny; r++)
      for (let c = 0; c < snx; c++) worst = Math.max(worst, Math.abs(small.data[r * snx + c]! - big.data[(r + r0) * bnx + c + c0]!));
    const err = worst / Math.max(...big.data);
    t.ok(err < 1e-12, `${propagation ?? 'no image plane'}: ${err.toExponential(2)} of peak`);
  }
});
