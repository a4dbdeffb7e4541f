// ConicLens: a paraboloid is exactly the thin lens; a sphere is the
// paraboloid plus its departure −s (r⁴/8R³ + r⁶/16R⁵ + …) (s = 2 for a
// mirror, n − 1 for a lens) written as Zernike terms; the sphere's best focus
// lies inside the paraxial focus.
import t from 'tap';
import { maxDiff, peakOf } from './helpers/arrays';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CircularAperture,
  ConicLens,
  type FresnelLens,
  FresnelOpticalSystem,
  loadFresnelSystem,
  type Optic,
  QuadraticLens,
  readFits,
  shutdownPool,
  ZernikeWFE,
} from '../lib/index';

t.teardown(() => shutdownPool());

const LAM = 1e-6;
const F = 1;

/** Beam radius a, the optics and lens at the pupil, the detector `distance` behind at λf/4a pixels. */
async function psfOf(a: number, optics: (Optic | FresnelLens)[], distance: number): Promise<Float64Array> {
  const fr = new FresnelOpticalSystem({ beamRadius: a, npix: 128, oversample: 4, conventions: 'poppy' });
  fr.addOptic(optics);
  fr.addDetector({ pixelSize: (LAM * F) / (4 * a), fovPixels: 65, distance });
  return (await fr.calcPsf({ wavelength: LAM })).data;
}

t.test('a paraboloid (K = −1) is exactly the thin lens behind its clear aperture (1e-12 of peak)', async (t) => {
  const a = 0.05;
  const p = await psfOf(a, [new ConicLens({ focalLength: F, conic: -1, radius: a })], F);
  const q = await psfOf(a, [new CircularAperture({ radius: a }), new QuadraticLens({ focalLength: F })], F);
  const e = maxDiff(p, q) / peakOf(q);
  t.ok(e < 1e-12, `${e.toExponential(2)} of peak`);
});

t.test('a sphere is the paraboloid plus −s (r⁴/8R³ + r⁶/16R⁵) as Zernike terms, through focus (1e-5 of peak)', async (t) => {
  for (const [label, a, refractiveIndex] of [
    ['mirror, f/10', 0.05, undefined],
    ['lens n = 1.5, f/20', 0.025, 1.5],
  ] as const) {
    const sphere = new ConicLens({ focalLength: F, conic: 0, radius: a, refractiveIndex });
    const s = refractiveIndex === undefined ? 2 : refractiveIndex - 1;
    const R = s * F;
    // −c ρ⁴ − d ρ⁶ in Noll-normalised Zernikes, with ρ⁴ = Z11/6√5 + Z4/2√3 + 1/3
    // and ρ⁶ = Z22/20√7 + 3ρ⁴/2 − 3ρ²/5 + 1/20 (the r⁸ term is 1e-14 m here).
    const c = (s * a ** 4) / (8 * R ** 3);
    const d = (s * a ** 6) / (16 * R ** 5);
    const coefficients = new Array<number>(22).fill(0);
    coefficients[3] = -(c + 0.9 * d) / (2 * Math.sqrt(3));
    coefficients[10] = -(c + 1.5 * d) / (6 * Math.sqrt(5));
    coefficients[21] = -d / (20 * Math.sqrt(7));
    // A stop inside the clear aperture: its gray edge pixels lie where the Zernike terms are defined too.
    const stop = new CircularAperture({ radius: 0.97 * a });
    const equivalent = [stop, new ZernikeWFE({ radius: a, coefficients }), new QuadraticLens({ focalLength: F })];
    const delta = (2 * c * F * F) / (a * a); // the defocus that cancels the Z4 part
    for (const z of [F - delta, F, F + delta]) {
      const p = await psfOf(a, [stop, sphere], z);
      const q = await psfOf(a, equivalent, z);
      const e = maxDiff(p, q) / peakOf(q);
      t.ok(
        e < 1e-5,
        `${label}, c = ${(c / LAM).toFixed(3)} waves, detector at f ${z >= F ? '+' : '−'} ${Math.abs(z - F).toExponential(2)} m: ${e.toExponential(2)} of peak`,
      );
    }
  }
});

t.test("a spherical mirror's best focus lies inside the paraxial focus; a paraboloid's is at it", async (t) => {
  const a = 0.05;
  const c = (2 * a ** 4) / (8 * (2 * F) ** 3);
  const delta = (2 * c * F * F) / (a * a);
  const peaks = async (K: number) => {
    const lens = new ConicLens({ focalLength: F, conic: K, radius: a });
    return [peakOf(await psfOf(a, [lens], F - delta)), peakOf(await psfOf(a, [lens], F)), peakOf(await psfOf(a, [lens], F + delta))];
  };
  const [inside, at, outside] = await peaks(0);
  t.ok(inside > at && at > outside, `sphere: peaks ${[inside, at, outside].map((v) => v.toExponential(4)).join(', ')} (inside, at, beyond focus)`);
  const [pi, pa, po] = await peaks(-1);
  t.ok(pa > pi && pa > po && Math.abs(pi / po - 1) < 1e-3, `paraboloid: peaks ${[pi, pa, po].map((v) => v.toExponential(4)).join(', ')}`);
});

t.test('JSON takes ConicLens; FITS records the conic; bad conics fail clearly', async (t) => {
  const a = 0.05;
  const json = {
    type: 'fresnel',
    beamRadius: a,
    npix: 64,
    oversample: 2,
    planes: [{ optics: [{ type: 'ConicLens', focalLength: F, conic: 0, radius: a }] }],
    detector: { pixelSize: 1e-5, fovPixels: 33, distance: F },
  };
  const fr = loadFresnelSystem(json);
  const p = await fr.calcPsf({ wavelength: LAM });
  const api = new FresnelOpticalSystem({ beamRadius: a, npix: 64, oversample: 2 });
  api.addOptic(new ConicLens({ focalLength: F, conic: 0, radius: a }));
  api.addDetector({ pixelSize: 1e-5, fovPixels: 33, distance: F });
  t.equal(maxDiff(p.data, (await api.calcPsf({ wavelength: LAM })).data), 0, 'the JSON system gives the same PSF');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-conic-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  await p.writeFits(path.join(dir, 'p.fits'));
  t.match(readFits(path.join(dir, 'p.fits')).header, { FL0: F, CONIC0: 0 });
  t.throws(
    () => new ConicLens({ focalLength: F, conic: 2000, radius: a }),
    /a conic of K 2000 and vertex radius 2 m ends at r = 0\.0447\d* m, inside its radius 0\.05 m/,
  );
  t.throws(() => new ConicLens({ focalLength: 0, conic: 0, radius: a }), /focalLength must not be 0/);
  t.throws(() => new ConicLens({ focalLength: F, conic: 0, radius: -1 }), /radius must be greater than 0, got -1/);
  t.throws(() => new ConicLens({ focalLength: F, conic: Number.NaN, radius: a }), /conic must be finite/);
  t.throws(() => new ConicLens({ focalLength: F, conic: 0, radius: a, refractiveIndex: 1 }), /refractiveIndex must be greater than 1, got 1/);
  t.throws(() => new ConicLens({ focalLength: F, conic: 0, radius: a, k: 1 } as never), /k is not an option/);
  t.throws(
    () => new FresnelOpticalSystem({ beamRadius: a }).addOptic([new ConicLens({ focalLength: F, conic: 0, radius: a }), new QuadraticLens({ focalLength: 2 })]),
    /at most one lens/,
  );
  t.throws(
    () =>
      new FresnelOpticalSystem({ beamRadius: a, npix: 64 }).addOptic([new ConicLens({ focalLength: F, conic: 0, radius: a })], {
        mftSampling: { pixelSize: 1e-6, fovPixels: 8 },
      }),
    /mftSampling holds no ConicLens/,
  );
  t.throws(
    () => loadFresnelSystem({ ...json, planes: [{ optics: [{ type: 'ConicLens', focalLength: F, conic: 0 }] }] }),
    /planes\[0\]\.optics\[0\]: radius must be a number, got undefined/,
  );
});
