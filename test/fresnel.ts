// FresnelOpticalSystem against analytic results, the Fraunhofer engine and
// POPPY's FresnelOpticalSystem (test/poppy/fresnel_psf.py →
// reference/fresnel-hubble.json), in every parallel mode and precision.
import t from 'tap';
import { maxDiff, peakOf } from './helpers/arrays';
import { runNodeScript } from './helpers/node-script';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXAMPLES_DIR, exampleFresnelFiles } from './helpers/examples';
import {
  CircularAperture,
  FresnelOpticalSystem,
  GaussianAperture,
  loadFresnelSystem,
  loadSystem,
  OpticalSystem,
  type Psf,
  QuadraticLens,
  readFits,
  readFitsCube,
  SecondaryObscuration,
  shutdownPool,
} from '../lib/index';

t.teardown(() => shutdownPool());

const ARCSEC_PER_RAD = (180 / Math.PI) * 3600;

/** A lens of focal length f behind an aperture of radius a, the detector f behind it. */
function lensSystem(a: number, f: number, pixelSize: number, fovPixels: number): FresnelOpticalSystem {
  const fr = new FresnelOpticalSystem({ beamRadius: 0.01, npix: 128, oversample: 4, conventions: 'poppy' });
  fr.addOptic([new CircularAperture({ radius: a }), new QuadraticLens({ focalLength: f })]);
  fr.addDetector({ pixelSize, fovPixels, distance: f });
  return fr;
}

/** The Fraunhofer PSF of the same sampled aperture: odd npix puts the grid centre on a pixel, as the Fresnel grid's. */
async function fraunhofer(a: number, dx: number, pixelscale: number, fovPixels: number, wavelength: number): Promise<Psf> {
  const n = 2 * Math.ceil(a / dx) + 3;
  const o = new OpticalSystem({ npix: n, oversample: 1, pupilDiameter: n * dx, conventions: 'poppy' });
  o.addPupil(new CircularAperture({ radius: a }));
  o.addDetector({ pixelscale, fovPixels, oversample: 1 });
  return o.calcPsf({ wavelength });
}

t.test('a lens of focal length f and f of free space give the Fraunhofer PSF at the matching pixel scale (1e-6 of peak)', async (t) => {
  const lam = 1e-6;
  const f = 1;
  const a = 0.009;
  const natural = lensSystem(a, f, 1, 1).beamAt(lam).at(-1)!.pixel;
  const dx = 0.02 / 128;
  for (const [label, pitch] of [
    ['the sampling the propagation lands on', natural],
    ['a detector pitch 0.7 of it (resampled by MFT)', 0.7 * natural],
    ['a detector pitch 1.6 of it', 1.6 * natural],
  ] as const) {
    const p = await lensSystem(a, f, pitch, 65).calcPsf({ wavelength: lam });
    const q = await fraunhofer(a, dx, (pitch / f) * ARCSEC_PER_RAD, 65, lam);
    const e = maxDiff(p.data, q.data) / q.peak();
    t.ok(e < 1e-6, `${label}: ${e.toExponential(2)} of peak`);
  }
});

t.test('a circular aperture in the far field (1000 Rayleigh distances) gives the Fraunhofer PSF (1e-6 of peak)', async (t) => {
  const lam = 1e-6;
  // Apertures stay inside the beam radius: the entrance field is POPPY's npix × npix square of ones.
  const beam = 0.0005;
  const a = 0.9 * beam;
  const fr = new FresnelOpticalSystem({ beamRadius: beam, npix: 64, oversample: 4, conventions: 'poppy' });
  fr.addOptic(new CircularAperture({ radius: a }));
  const z = (1000 * Math.PI * a * a) / lam;
  fr.addDetector({ pixelSize: 1, fovPixels: 1, distance: z });
  const pixel = fr.beamAt(lam).at(-1)!.pixel;
  fr.addDetector({ pixelSize: pixel, fovPixels: 41, distance: z });
  const p = await fr.calcPsf({ wavelength: lam });
  const q = await fraunhofer(a, (2 * beam) / 64, (pixel / z) * ARCSEC_PER_RAD, 41, lam);
  const e = maxDiff(p.data, q.data) / q.peak();
  t.ok(e < 1e-6, `z = ${z.toFixed(1)} m: ${e.toExponential(2)} of peak`);
});

t.test('on-axis intensity behind a circular aperture: 4 sin²(π a² / 2λz), the Fresnel zones (converging with sampling)', async (t) => {
  // Fresnel numbers where the plane-to-plane transfer function is sampled
  // (z < N dx² / λ); below them the angular spectrum aliases, as in POPPY.
  const lam = 1e-6;
  const a = 0.005;
  const errors: number[] = [];
  for (const npix of [128, 256]) {
    let worst = 0;
    for (const zones of [8.5, 10, 11.5, 13]) {
      const z = (a * a) / (lam * zones);
      const fr = new FresnelOpticalSystem({ beamRadius: a / 0.9, npix, oversample: 8 });
      fr.addOptic(new CircularAperture({ radius: a }));
      fr.addDetector({ pixelSize: (2 * a) / 0.9 / npix, fovPixels: 3, distance: z });
      const p = await fr.calcPsf({ wavelength: lam, normalize: 'none' });
      const want = 4 * Math.sin((Math.PI * zones) / 2) ** 2;
      worst = Math.max(worst, Math.abs(p.data[4]! - want));
    }
    errors.push(worst);
  }
  t.ok(errors[1]! < 0.1, `npix 256: on-axis intensity within ${errors[1]!.toExponential(2)} of the analytic value (which is at most 4)`);
  t.ok(errors[1]! < errors[0]! / 2, `the error falls with sampling (npix 128 → 256: ${errors.map((e) => e.toExponential(2)).join(' → ')})`);
});

t.test('bandLimit: beyond N dx²/λ the on-axis intensity converges with sampling; the unlimited angular spectrum aliases', async (t) => {
  // Fresnel numbers 2.5 and 3.5 at oversample 4: z is 1.9 to 10 times N dx²/λ.
  const lam = 1e-6;
  const a = 0.005;
  const worst = async (npix: number, bandLimit: boolean) => {
    let w = 0;
    for (const zones of [2.5, 3.5]) {
      const z = (a * a) / (lam * zones);
      const fr = new FresnelOpticalSystem({ beamRadius: a / 0.9, npix, oversample: 4, bandLimit });
      fr.addOptic(new CircularAperture({ radius: a }));
      fr.addDetector({ pixelSize: (2 * a) / 0.9 / npix, fovPixels: 3, distance: z });
      const p = await fr.calcPsf({ wavelength: lam, normalize: 'none' });
      w = Math.max(w, Math.abs(p.data[4]! - 4 * Math.sin((Math.PI * zones) / 2) ** 2));
    }
    return w;
  };
  const limited = [await worst(128, true), await worst(256, true), await worst(512, true)];
  t.ok(limited[1]! < limited[0]! && limited[2]! < limited[1]!, `band-limited: ${limited.map((e) => e.toExponential(2)).join(' → ')} (npix 128 → 256 → 512)`);
  t.ok(limited[2]! < 5e-3, `band-limited at npix 512: ${limited[2]!.toExponential(2)} of the incident intensity`);
  const unlimited = await worst(512, false);
  t.ok(unlimited > 3 * limited[2]!, `unlimited at npix 512: ${unlimited.toExponential(2)}`);
  const fr = new FresnelOpticalSystem({ beamRadius: 1, npix: 16, bandLimit: true });
  fr.addOptic(new CircularAperture({ radius: 1 }));
  fr.addDetector({ pixelSize: 0.1, fovPixels: 4, distance: 1 });
  t.equal((await fr.calcPsf({ wavelength: 1e-6 })).header.BANDLIM, true, 'the header says so');
  t.throws(() => new FresnelOpticalSystem({ beamRadius: 1, bandLimit: 'yes' as never }), /bandLimit must be a boolean/);
});

t.test('a Gaussian beam spreads as w(z) = w0 √(1 + (z/z_R)²) (second moments, 1e-3)', async (t) => {
  const lam = 1e-6;
  const w0 = 0.002;
  const zr = (Math.PI * w0 * w0) / lam;
  for (const z of [0.5 * zr, 2 * zr, 5 * zr]) {
    const fr = new FresnelOpticalSystem({ beamRadius: 2.5 * w0, npix: 128, oversample: 8 });
    fr.addOptic(new GaussianAperture({ w: w0 }));
    fr.addDetector({ pixelSize: 1, fovPixels: 1, distance: z });
    const pixel = fr.beamAt(lam).at(-1)!.pixel;
    const n = 1024;
    fr.addDetector({ pixelSize: pixel, fovPixels: n, distance: z });
    const p = await fr.calcPsf({ wavelength: lam });
    let s = 0;
    let r2 = 0;
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const v = p.data[y * n + x]!;
        s += v;
        r2 += v * ((y - n / 2) ** 2 + (x - n / 2) ** 2) * pixel * pixel;
      }
    const w = Math.sqrt((2 * r2) / s);
    const want = w0 * Math.sqrt(1 + (z / zr) ** 2);
    t.ok(Math.abs(w / want - 1) < 1e-3, `z = ${(z / zr).toFixed(1)} z_R: w = ${w.toExponential(5)} m, analytic ${want.toExponential(5)} m`);
  }
});

t.test('intensity is conserved through every step: plane-to-plane, waist-to-spherical, spherical-to-waist, lenses (1e-10)', async (t) => {
  const fr = new FresnelOpticalSystem({ beamRadius: 0.01, npix: 128, oversample: 4 });
  fr.addOptic(new CircularAperture({ radius: 0.009 }));
  fr.addOptic([], { distance: 5 }); // inside z_R: plane to plane
  fr.addOptic(new QuadraticLens({ focalLength: 2 }), { distance: 1 });
  fr.addOptic([], { distance: 1 }); // waist to spherical
  fr.addOptic(new QuadraticLens({ focalLength: 0.5 }), { distance: 0.5 });
  fr.addOptic([], { distance: 0.7 }); // spherical to waist and on
  fr.addDetector({ pixelSize: 1e-5, fovPixels: 16, distance: 3 });
  const p = await fr.calcPsf({ wavelength: 1e-6, returnIntermediates: true });
  const planes = p.fresnelIntermediates![0]!;
  t.equal(planes.length, 6, 'the field after each plane');
  const beam = fr.beamAt(1e-6);
  for (const [i, pl] of planes.entries()) {
    let e = 0;
    for (let k = 0; k < pl.field.length; k++) e += pl.field[k]! ** 2;
    t.ok(Math.abs(e - 1) < 1e-10, `plane ${i} (z ${pl.z} m, ${beam[i]!.spherical ? 'spherical' : 'planar'}): total intensity 1 − ${(1 - e).toExponential(1)}`);
    t.ok(Math.abs(pl.pixelSize / beam[i]!.pixel - 1) < 1e-12, `plane ${i}: ${pl.pixelSize.toExponential(4)} m per pixel, as the beam says`);
  }
});

t.test("POPPY's FresnelOpticalSystem: the Hubble-like example at its focus (1e-4 of peak; measured 1e-15)", async (t) => {
  const ref = JSON.parse(fs.readFileSync(path.join(__dirname, 'poppy', 'reference', 'fresnel-hubble.json'), 'utf8')) as {
    runs: { wavelength: number; pixelSize: number; intensity: number[] }[];
  };
  for (const run of ref.runs) {
    const fr = new FresnelOpticalSystem({ beamRadius: 1.2, npix: 256, oversample: 4, conventions: 'poppy' });
    fr.addOptic(new CircularAperture({ radius: 1.2 }));
    fr.addOptic(new SecondaryObscuration({ secondaryRadius: 0.396, supportWidth: 0.0264, supportAngleOffset: 45 }));
    fr.addOptic(new QuadraticLens({ focalLength: 5.52085, name: 'primary' }));
    fr.addOptic(new QuadraticLens({ focalLength: -0.6790325, name: 'secondary' }), { distance: 4.907028205 });
    fr.addOptic([], { distance: 6.3919974 });
    fr.addDetector({ pixelSize: run.pixelSize, fovPixels: 64 });
    t.ok(Math.abs(fr.beamAt(run.wavelength).at(-1)!.pixel / run.pixelSize - 1) < 1e-12, `λ ${run.wavelength}: the focus is sampled as POPPY samples it`);
    const p = await fr.calcPsf({ wavelength: run.wavelength });
    const e = maxDiff(p.data, run.intensity) / peakOf(run.intensity);
    t.ok(e < 1e-4, `λ ${run.wavelength * 1e6} µm: ${e.toExponential(2)} of peak`);
    t.ok(Math.abs(p.header.ANGPIXSC as number) > 0, 'the angular pixel scale from the effective focal length is in the header');
  }
});

t.test('an angular detector pitch through the effective focal length: two-mirror EFL, the Fraunhofer PSF at that pixel scale', async (t) => {
  const hst = loadFresnelSystem({ file: path.join(__dirname, '..', 'examples', 'fresnel-hubble.json') });
  const [f1, f2, d] = [5.52085, -0.6790325, 4.907028205];
  const efl = (f1 * f2) / (f1 + f2 - d);
  t.ok(Math.abs(hst.effectiveFocalLength() / efl - 1) < 1e-12, `Hubble-like: ${hst.effectiveFocalLength().toFixed(4)} m = f1 f2 / (f1 + f2 - d)`);
  const beamFl = hst.beamAt(1e-6).at(-1)!.focalLength;
  t.ok(Math.abs(beamFl / efl - 1) < 1e-3, `the Gaussian beam's focal length there: ${beamFl.toFixed(4)} m`);
  // A lens at the pupil: the Fraunhofer PSF at the same angular scale.
  const lam = 1e-6;
  const arcsec = 0.7 * (lam / 0.018) * ARCSEC_PER_RAD;
  const fr = lensSystem(0.009, 1, 1, 1);
  fr.addDetector({ pixelscale: arcsec, fovPixels: 65, distance: 1 });
  t.ok(Math.abs(fr.detector!.pixelSize / ((arcsec / ARCSEC_PER_RAD) * 1) - 1) < 1e-12, 'pixelSize = pixelscale × EFL');
  const p = await fr.calcPsf({ wavelength: lam });
  const q = await fraunhofer(0.009, 0.02 / 128, arcsec, 65, lam);
  const e = maxDiff(p.data, q.data) / q.peak();
  t.ok(e < 1e-6, `${e.toExponential(2)} of peak`);
  t.ok(Math.abs((p.header.ANGPIXSC as number) / arcsec - 1) < 1e-12, 'ANGPIXSC says the pitch asked for');
  t.equal(p.header.EFL, 1);
  // A 4f relay is afocal; a lens behind it gives the system its focal length back.
  const afocal = new FresnelOpticalSystem({ beamRadius: 0.01, npix: 64 });
  afocal.addOptic(new QuadraticLens({ focalLength: 2 }), { distance: 0.3 });
  afocal.addOptic(new QuadraticLens({ focalLength: 2 }), { distance: 4 });
  t.equal(afocal.effectiveFocalLength(), Number.POSITIVE_INFINITY, 'a 4f relay is afocal');
  t.throws(() => afocal.addDetector({ pixelscale: 0.1, fovPixels: 8 }), /pixelscale 0\.1 arcsec needs a system with a focal length; this one is afocal/);
  afocal.addOptic(new QuadraticLens({ focalLength: 3 }), { distance: 2 });
  t.ok(Math.abs(Math.abs(afocal.effectiveFocalLength()) - 3) < 1e-12, 'relay + lens: |EFL| = 3 m');
  t.throws(() => afocal.addDetector({ pixelscale: 0.1, pixelSize: 1e-5, fovPixels: 8 }), /exactly one of pixelSize \(metres\) or pixelscale \(arcsec\)/);
  t.throws(() => afocal.addDetector({ fovPixels: 8 }), /exactly one of pixelSize/);
  t.throws(() => afocal.addDetector({ pixelscale: -1, fovPixels: 8 }), /pixelscale must be greater than 0, got -1/);
});

function relay(): FresnelOpticalSystem {
  const fr = new FresnelOpticalSystem({ beamRadius: 0.01, npix: 64, oversample: 4 });
  fr.addOptic([new CircularAperture({ radius: 0.009 }), new QuadraticLens({ focalLength: 1.5 })]);
  fr.addOptic(new CircularAperture({ radius: 0.003 }), { distance: 0.5 });
  fr.addDetector({ pixelSize: 2e-5, fovPixels: 48, distance: 1 });
  return fr;
}
const SOURCE = { wavelengths: [0.9e-6, 1e-6, 1.1e-6, 1.2e-6] };

t.test('every parallel mode gives the serial PSF (1e-12); single precision within 1e-5 of peak', async (t) => {
  const fr = relay();
  const ref = await fr.calcPsf({ source: SOURCE });
  for (const mode of [
    { parallel: 'threads', nProcesses: 2 },
    { parallel: 'processes', startMethod: 'spawn', nProcesses: 2 },
  ] as const) {
    const p = await fr.calcPsf({ source: SOURCE, ...mode });
    t.ok(maxDiff(p.data, ref.data) <= 1e-12 * ref.peak(), `${mode.parallel}: equals serial`);
  }
  const s = await fr.calcPsf({ source: SOURCE, precision: 'single' });
  const e = maxDiff(s.data, ref.data) / ref.peak();
  t.ok(e > 0 && e < 1e-5, `single precision: ${e.toExponential(2)} of peak`);
  t.equal(s.header.PRECISION, 'single');
  const script = `
    const { CircularAperture, FresnelOpticalSystem, QuadraticLens } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    (async () => {
      const fr = new FresnelOpticalSystem({ beamRadius: 0.01, npix: 64, oversample: 4 });
      fr.addOptic([new CircularAperture({ radius: 0.009 }), new QuadraticLens({ focalLength: 1.5 })]);
      fr.addOptic(new CircularAperture({ radius: 0.003 }), { distance: 0.5 });
      fr.addDetector({ pixelSize: 2e-5, fovPixels: 48, distance: 1 });
      const f = await fr.calcPsf({ source: ${JSON.stringify(SOURCE)}, parallel: 'processes', startMethod: 'fork', nProcesses: 2 });
      console.log(JSON.stringify({ data: Array.from(f.data), mode: f.parallel.mode + '/' + f.parallel.startMethod }));
    })();`;
  const out = runNodeScript<{ data: number[]; mode: string }>(t, script);
  t.equal(out.mode, 'processes/fork');
  t.ok(maxDiff(ref.data, out.data) <= 1e-12 * ref.peak(), 'fork: equals serial');
});

t.test('calcDatacube: one PSF per wavelength, each calcPsf of that wavelength; a FITS cube in metres', async (t) => {
  const fr = relay();
  const cube = await fr.calcDatacube({ source: SOURCE, parallel: 'threads', nProcesses: 2 });
  t.same(cube.shape, [4, 48, 48]);
  t.equal(cube.pixelscale, 2e-5);
  for (const [i, lam] of SOURCE.wavelengths.entries()) {
    const p = await fr.calcPsf({ wavelength: lam });
    t.ok(maxDiff(cube.slice(i).data, p.data) <= 1e-12 * p.peak(), `plane ${i}: calcPsf at ${lam * 1e6} µm`);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airy-fresnel-cube-')), 'cube.fits');
  await cube.writeFits(file);
  const back = readFitsCube(file);
  t.same(back.shape, [4, 48, 48]);
  t.match(back.header, { PIXELSCL: 2e-5, PIXUNIT: 'm', PROPAGAT: 'fresnel', WAVELN03: 1.2e-6 });
  t.match(fs.readFileSync(file, 'latin1'), /Pixel scale in meters\/pixel/, 'PIXELSCL says metres');
  await t.rejects(fr.calcDatacube({ returnIntermediates: true } as never), /calcDatacube does not return intermediates/);
  await t.rejects(fr.calcDatacube({ wavelengths: 3 } as never), /calcDatacube: wavelengths is not an option/);
});

t.test('FITS output carries the distances, focal lengths and pixel size; progress, abort and normalisation', async (t) => {
  const fr = relay();
  const seen: number[] = [];
  const p = await fr.calcPsf({ source: SOURCE, onProgress: (x) => seen.push(x.done) });
  t.same(
    seen.sort((a, b) => a - b),
    [1, 2, 3, 4],
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airy-fresnel-')), 'relay.fits');
  await p.writeFits(file);
  const h = readFits(file).header;
  t.match(h, { PROPAGAT: 'fresnel', DIST0: 0, FL0: 1.5, DIST1: 0.5, DETDIST: 1, PIXELSCL: 2e-5, PIXUNIT: 'm', BEAMRAD: 0.01 });
  const last = await fr.calcPsf({ source: SOURCE, normalize: 'last' });
  t.ok(Math.abs(last.total() - 1) < 1e-12, "normalize 'last': the PSF sums to 1");
  const ac = new AbortController();
  ac.abort();
  await t.rejects(fr.calcPsf({ source: SOURCE, signal: ac.signal }), { code: 'ABORT_ERR' });
});

t.test('bad Fresnel systems and calls fail clearly', async (t) => {
  t.throws(() => new FresnelOpticalSystem({ beamRadius: -1 }), /beamRadius must be greater than 0, got -1/);
  t.throws(() => new FresnelOpticalSystem({ beamRadius: 1, npix: 63, oversample: 1 }), /npix × oversample must be even, got 63 × 1/);
  t.throws(() => new FresnelOpticalSystem({ beamRadius: 1, pupil: 2 } as never), /pupil is not an option/);
  t.throws(() => new QuadraticLens({ focalLength: 0 }), /focalLength must not be 0/);
  const fr = new FresnelOpticalSystem({ beamRadius: 0.01, npix: 32 });
  await t.rejects(fr.calcPsf({ wavelength: 1e-6 }), /needs at least one plane/);
  fr.addOptic(new CircularAperture({ radius: 0.01 }));
  await t.rejects(fr.calcPsf({ wavelength: 1e-6 }), /needs a detector/);
  t.throws(
    () => fr.addOptic([new QuadraticLens({ focalLength: 1 }), new QuadraticLens({ focalLength: 2 })]),
    /at most one lens \(QuadraticLens or ConicLens\)/,
  );
  t.throws(() => fr.addOptic([], { distance: Number.NaN }), /distance must be finite/);
  fr.addDetector({ pixelSize: 1e-5, fovPixels: 8, distance: 1 });
  t.throws(() => fr.addOptic([]), /the detector is the last plane/);
  await t.rejects(fr.calcPsf({ wavelength: 1e-6, normalize: 'exit_pupil' as never }), /normalize must be one of 'first', 'last', 'none', got "exit_pupil"/);
  await t.rejects(fr.calcPsf({ source: { wavelengths: [1e-6], offsetR: 0.1 } }), /takes no source offset/);
  await t.rejects(fr.calcPsf({ wavelength: 1e-6, oversample: 2 } as never), /oversample/);
  await t.rejects(fr.calcPsf({}), /exactly one of/);
});

t.test('every Fresnel example loads and runs: a finite PSF holding at most the light that entered', async (t) => {
  for (const f of exampleFresnelFiles()) {
    const p = await loadFresnelSystem({ file: path.join(EXAMPLES_DIR, f) }).calcPsf();
    const finite = p.data.every((v) => Number.isFinite(v) && v >= 0);
    t.ok(finite && p.total() > 0 && p.total() <= 1 + 1e-9, `${f}: flux ${p.total().toPrecision(4)}, peak ${p.peak().toPrecision(4)}`);
  }
});

t.test('JSON: the example loads and runs; bad files fail naming the JSON path; airy psf runs it', async (t) => {
  const examples = path.resolve(__dirname, '..', 'examples');
  const file = path.join(examples, 'fresnel-hubble.json');
  const fr = loadFresnelSystem({ file });
  t.equal(fr.planes.length, 3);
  t.equal(fr.planes[0]!.lens?.focalLength, 5.52085, 'the QuadraticLens of the first plane');
  const p = await fr.calcPsf();
  t.equal(p.header.NWAVES, 3, "the file's source is the default");
  t.ok(p.peak() > 0 && p.total() > 0.9, `most light on the detector (${p.total().toFixed(4)})`);
  t.throws(() => loadSystem({ file }), /a Fresnel system \("type": "fresnel"\): load it with loadFresnelSystem/);
  const good = JSON.parse(fs.readFileSync(file, 'utf8'));
  t.throws(() => loadFresnelSystem({ ...good, type: undefined }), /type must be "fresnel"/);
  t.throws(() => loadFresnelSystem({ ...good, lens: 1 }), /lens is not a known key/);
  t.throws(() => loadFresnelSystem({ ...good, planes: [{ distance: 1, optics: [{ type: 'QuadraticLens', focalLength: 0 }] }] }), /focalLength must not be 0/);
  t.throws(() => loadFresnelSystem({ ...good, planes: [{ optics: [{ type: 'Nope' }] }] }), /planes\[0\]\.optics\[0\]\.type: unknown optic type "Nope"/);
  t.throws(() => loadFresnelSystem({ ...good, detector: undefined }), /detector must be an object/);

  const bin = path.resolve(__dirname, '..', 'bin', 'airy.js');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airy-fresnel-cli-')), 'h.fits');
  const png = path.join(path.dirname(out), 'h.png');
  const r = spawnSync(process.execPath, [bin, 'psf', file, '-o', out, '--png', png, '--wavelength', '1e-6', '--json', '-q'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { shape: [128, 128], pixelSize: 5e-6, precision: 'double', png });
  t.match(readFits(out).header, { PROPAGAT: 'fresnel', DIST1: 4.907028205, PIXUNIT: 'm' });
  t.same([...fs.readFileSync(png).subarray(1, 4)], [...Buffer.from('PNG')], 'the picture is a PNG');
  const cubeFile = path.join(path.dirname(out), 'cube.fits');
  const cube = spawnSync(process.execPath, [bin, 'psf', file, '-o', cubeFile, '--datacube', '--json', '-q'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(cube.status, 0, cube.stderr);
  t.match(JSON.parse(cube.stdout), { shape: [3, 128, 128], pixelSize: 5e-6, wavelengths: [0.9e-6, 1e-6, 1.1e-6] });
  const bad = spawnSync(process.execPath, [bin, 'psf', file, '-o', out, '--jitter', '0.01'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--jitter: not available for Fresnel systems/);
  const unwritable = spawnSync(process.execPath, [bin, 'psf', file, '-o', out, '--png', path.join(path.dirname(out), 'no', 'x.png')], { encoding: 'utf8' });
  t.equal(unwritable.status, 2, 'an unwritable picture path is refused before the work');
});
