// Masks at an intermediate focus of a Fresnel system applied on a fixed
// grid by MFTs (addOptic's mftSampling): exact against sampling on the
// field's grid when the grid is the field's own, converged against a brute
// force padded to the same fine sampling, and the Fraunhofer coronagraph of
// the same system.
import t from 'tap';
import { maxDiff, peakOf } from './helpers/arrays';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AnnularFieldStop,
  ArrayOptic,
  CircularAperture,
  CircularOcculter,
  FresnelOpticalSystem,
  KnifeEdge,
  loadFresnelSystem,
  memoryModel,
  type MftSampling,
  type Optic,
  OpticalSystem,
  QuadraticLens,
  readFits,
  shutdownPool,
  ZernikeWFE,
} from '../lib/index';

t.teardown(() => shutdownPool());

const ARCSEC_PER_RAD = (180 / Math.PI) * 3600;
const LAM = 1e-6;
const F = 1;
const A = 0.005; // aperture radius, metres (the beam radius)
const LAMD = (LAM * F) / (2 * A); // λf/D at the focus, metres
const SHIFT = 0.5 * LAMD;

const occulter = (sign = 1) => new CircularOcculter({ radius: 3 * LAMD, shiftX: sign * SHIFT });

/**
 * A Lyot coronagraph as a 5f relay: the pupil, f to a lens, f to the focus
 * (the mask), f to a lens, f to the pupil's image (the Lyot stop and a lens),
 * f to the detector at λf/2D pixels (65, the axis on the centre pixel).
 */
function coronagraph(oversample: number, mask: Optic[], mftSampling?: MftSampling, npix = 128): FresnelOpticalSystem {
  const fr = new FresnelOpticalSystem({ beamRadius: A, npix, oversample });
  fr.addOptic(new CircularAperture({ radius: 0.98 * A }));
  fr.addOptic(new QuadraticLens({ focalLength: F }), { distance: F });
  fr.addOptic(mask, { distance: F, mftSampling });
  fr.addOptic(new QuadraticLens({ focalLength: F }), { distance: F });
  fr.addOptic([new CircularAperture({ radius: 0.8 * A }), new QuadraticLens({ focalLength: F })], { distance: F });
  fr.addDetector({ pixelSize: LAMD / 2, fovPixels: 65, distance: F });
  return fr;
}

t.test("the exact case: the MFT grid at the field's own pitch over the whole array gives the field-grid sampling (1e-10 of peak)", async (t) => {
  const direct = coronagraph(4, [occulter()]);
  const dx = direct.beamAt(LAM)[2]!.pixel;
  const p = await direct.calcPsf({ wavelength: LAM });
  const q = await coronagraph(4, [occulter()], { pixelSize: dx, fovPixels: 512 }).calcPsf({ wavelength: LAM });
  const e = maxDiff(p.data, q.data) / peakOf(p.data);
  t.ok(e < 1e-10, `shifted occulter: ${e.toExponential(2)} of peak`);
  const stop = [new AnnularFieldStop({ radiusInner: 3 * LAMD, radiusOuter: 20 * LAMD, shiftX: SHIFT })];
  const s1 = await coronagraph(4, stop).calcPsf({ wavelength: LAM });
  const s2 = await coronagraph(4, stop, { pixelSize: dx, fovPixels: 512 }).calcPsf({ wavelength: LAM });
  const es = maxDiff(s1.data, s2.data) / peakOf(s1.data);
  t.ok(es < 1e-10, `field stop (dark beyond its grid): ${es.toExponential(2)} of peak`);
});

t.test(
  'an occulter and a field stop at λ/D/16 by MFT match the brute force padded to λ/D/16 (1e-4 of peak), where the coarse grid misses by 1e-2',
  async (t) => {
    const masks: [string, Optic[]][] = [
      ['a shifted occulter', [occulter()]],
      ['an annular field stop', [new AnnularFieldStop({ radiusInner: 3 * LAMD, radiusOuter: 12 * LAMD, shiftX: SHIFT })]],
    ];
    for (const [label, mask] of masks) {
      // oversample 16 samples the focus at λf/16D on the field's own grid.
      const brute = await coronagraph(16, mask).calcPsf({ wavelength: LAM });
      const coarse = await coronagraph(4, mask).calcPsf({ wavelength: LAM });
      const mft = await coronagraph(4, mask, { pixelSize: LAMD / 16 }).calcPsf({ wavelength: LAM });
      const peak = peakOf(brute.data);
      const ec = maxDiff(coarse.data, brute.data) / peak;
      const em = maxDiff(mft.data, brute.data) / peak;
      t.ok(em < 1e-4, `${label}: MFT at oversample 4 vs brute force at 16: ${em.toExponential(2)} of peak`);
      t.ok(ec > 1e-2, `${label}: the coarse grid at oversample 4 misses by ${ec.toExponential(2)}`);
    }
  },
);

t.test('the MFT step converges with its sampling (λ/D/4 → /8 → /16)', async (t) => {
  const brute = await coronagraph(16, [occulter()]).calcPsf({ wavelength: LAM });
  const errs: number[] = [];
  for (const s of [4, 8, 16]) {
    const p = await coronagraph(4, [occulter()], { pixelSize: LAMD / s }).calcPsf({ wavelength: LAM });
    errs.push(maxDiff(p.data, brute.data) / peakOf(brute.data));
  }
  t.ok(errs[1]! < errs[0]! && errs[2]! < errs[1]!, `errors ${errs.map((e) => e.toExponential(2)).join(', ')}`);
});

t.test(
  "the Fraunhofer coronagraph of the same system (1e-5 of the unocculted peak); the relay inverts the Lyot pupil, POPPY's Fraunhofer planes do not",
  async (t) => {
    const dx = (2 * A) / 128;
    const fraunhofer = async (mask: Optic[]) => {
      const o = new OpticalSystem({ npix: 129, oversample: 2, pupilDiameter: 129 * dx });
      o.addPupil(new CircularAperture({ radius: 0.98 * A }));
      o.addImage(mask, mask.length ? { propagation: 'mft', maskSampling: 16, maskModel: 'analytic' } : {});
      o.addPupil(new CircularAperture({ radius: 0.8 * A }));
      o.addDetector({ pixelscale: (LAMD / 2 / F) * ARCSEC_PER_RAD, fovPixels: 65, oversample: 1 });
      return o.calcPsf({ wavelength: LAM });
    };
    const ref = await fraunhofer([new CircularOcculter({ radius: ((3 * LAMD) / F) * ARCSEC_PER_RAD, shiftX: (SHIFT / F) * ARCSEC_PER_RAD })]);
    const unocculted = peakOf((await fraunhofer([])).data);
    // The Fresnel mask at -s is the Fraunhofer mask at +s: a real relay images the pupil inverted.
    const p = await coronagraph(4, [occulter(-1)], { pixelSize: LAMD / 16 }).calcPsf({ wavelength: LAM });
    const e = maxDiff(p.data, ref.data) / unocculted;
    t.ok(e < 1e-5, `${e.toExponential(2)} of the unocculted peak (coronagraphic peak ${(peakOf(ref.data) / unocculted).toExponential(2)})`);
    const flipped = await coronagraph(4, [occulter(1)], { pixelSize: LAMD / 16 }).calcPsf({ wavelength: LAM });
    t.ok(maxDiff(flipped.data, ref.data) / unocculted > 3e-4, 'the mask on the other side differs');
  },
);

t.test("POPPY's FixedSamplingImagePlaneElement on the same coronagraph, its mask array turned 180° (1e-5 of peak)", async (t) => {
  // test/poppy/fresnel_fpm.py: POPPY goes to its virtual pupil by an inverse
  // FFT and back to the focal plane by a forward MFT, so its array lands
  // point-reflected on the field; airy applies every mask in the plane's own
  // coordinates.
  const ref = JSON.parse(fs.readFileSync(path.join(__dirname, 'poppy', 'reference', 'fresnel-fpm.json'), 'utf8')) as {
    mask: { n: number; pixelLambdaD: number; lambdaC: number; transmission: number[] };
    oversample: number;
    runs: { wavelength: number; pixelSize: number; intensity: number[] }[];
  };
  const { n, pixelLambdaD, lambdaC } = ref.mask;
  const turned = Float64Array.from(ref.mask.transmission).reverse();
  for (const run of ref.runs) {
    const build = (mask: Optic[], mftSampling?: MftSampling) => {
      const fr = new FresnelOpticalSystem({ beamRadius: A, npix: 128, oversample: ref.oversample, conventions: 'poppy' });
      fr.addOptic(new CircularAperture({ radius: A }));
      fr.addOptic(new QuadraticLens({ focalLength: F }), { distance: F });
      fr.addOptic(mask, { distance: F, mftSampling });
      fr.addOptic(new QuadraticLens({ focalLength: F }), { distance: F });
      fr.addOptic([new CircularAperture({ radius: 0.8 * A }), new QuadraticLens({ focalLength: F })], { distance: F });
      fr.addDetector({ pixelSize: run.pixelSize, fovPixels: 65, distance: F });
      return fr;
    };
    // POPPY's mask pitch, λ_c/D units at λ_c, in metres at this wavelength's focus.
    const focusPitch = build([]).beamAt(run.wavelength)[2]!.pixel;
    const pitch = pixelLambdaD * (lambdaC / run.wavelength) * ref.oversample * focusPitch;
    const mask = new ArrayOptic({ transmission: turned, shape: [n, n], pixelscale: pitch });
    const p = await build([mask], { pixelSize: pitch, fovPixels: n }).calcPsf({ wavelength: run.wavelength });
    const want = Float64Array.from(run.intensity);
    const e = maxDiff(p.data, want) / peakOf(want);
    t.ok(e < 1e-5, `λ ${(run.wavelength * 1e6).toFixed(2)} µm: ${e.toExponential(2)} of peak`);
  }
});

t.test('threads and spawned processes give the serial PSF (1e-12); single precision within 1e-4 of the coronagraphic peak', async (t) => {
  const fr = coronagraph(2, [occulter()], { pixelSize: LAMD / 8 });
  const source = { wavelengths: [0.9e-6, 1e-6, 1.1e-6] };
  const serial = await fr.calcPsf({ source, parallel: 'none' });
  const peak = peakOf(serial.data);
  for (const opts of [{ parallel: 'threads' }, { parallel: 'processes', startMethod: 'spawn' }] as const) {
    const p = await fr.calcPsf({ source, ...opts, nProcesses: 2 });
    const e = maxDiff(p.data, serial.data) / peak;
    t.ok(e < 1e-12, `${opts.parallel} ${'startMethod' in opts ? opts.startMethod : ''}: ${e.toExponential(2)}`);
  }
  const single = await fr.calcPsf({ source, precision: 'single' });
  const e = maxDiff(single.data, serial.data) / peak;
  t.ok(e < 1e-4, `single: ${e.toExponential(2)} of peak`);
});

t.test('a pupil tilt moves the PSF the way it moves in the Fraunhofer engine (1e-6 of peak; the opposite tilt differs by 0.1)', async (t) => {
  // Orientation on an asymmetric input: 0.3 µm RMS of x tilt, a lens at the
  // pupil; the aperture inside the entrance square of ones (POPPY's, which
  // clips an aperture as wide as the beam by a pixel on one side).
  const tilt = new ZernikeWFE({ radius: A, coefficients: [0, 0.3e-6] });
  const fr = new FresnelOpticalSystem({ beamRadius: A, npix: 128, oversample: 4, conventions: 'poppy' });
  fr.addOptic([new CircularAperture({ radius: 0.98 * A }), tilt, new QuadraticLens({ focalLength: F })]);
  fr.addDetector({ pixelSize: LAMD / 2, fovPixels: 65, distance: F });
  const p = await fr.calcPsf({ wavelength: LAM });
  const o = new OpticalSystem({ npix: 129, oversample: 2, pupilDiameter: (129 * 2 * A) / 128, conventions: 'poppy' });
  o.addPupil([new CircularAperture({ radius: 0.98 * A }), tilt]);
  o.addDetector({ pixelscale: (LAMD / 2 / F) * ARCSEC_PER_RAD, fovPixels: 65, oversample: 1 });
  const q = await o.calcPsf({ wavelength: LAM });
  const e = maxDiff(p.data, q.data) / peakOf(q.data);
  t.ok(e < 1e-6, `${e.toExponential(2)} of peak`);
  const flat = new OpticalSystem({ npix: 129, oversample: 2, pupilDiameter: (129 * 2 * A) / 128, conventions: 'poppy' });
  flat.addPupil([new CircularAperture({ radius: 0.98 * A }), new ZernikeWFE({ radius: A, coefficients: [0, -0.3e-6] })]);
  flat.addDetector({ pixelscale: (LAMD / 2 / F) * ARCSEC_PER_RAD, fovPixels: 65, oversample: 1 });
  const mirrored = await flat.calcPsf({ wavelength: LAM });
  t.ok(maxDiff(p.data, mirrored.data) / peakOf(q.data) > 0.1, 'the opposite tilt differs');
});

t.test("the memory model counts the MFT grid: the spectrum, the grid and both transforms' kernels, in double", async (t) => {
  const shape = { npix: 128, padded: 512, detector: 65, fft: true, pupilGrid: false, mftInput: 512, systemBytes: 0, opd: true };
  const plain = memoryModel(shape);
  for (const single of [false, true]) {
    const withGrid = memoryModel({ ...shape, single, mftGrid: 115 });
    const grid = withGrid.wavefronts - memoryModel({ ...shape, single }).wavefronts;
    t.equal(grid, (512 * 512 + 115 * 115 + 4 * 512 * 115) * 16, `${single ? 'single' : 'double'}: ${(grid / 2 ** 20).toFixed(1)} MiB more`);
  }
  t.ok(memoryModel({ ...shape, mftGrid: 115 }).perWavelength > plain.perWavelength);
});

t.test('FITS records the MFT grids; JSON takes mftSampling; bad grids fail clearly', async (t) => {
  const fr = coronagraph(2, [occulter()], { pixelSize: LAMD / 8 });
  const p = await fr.calcPsf({ wavelength: LAM });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-fresnel-mft-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'p.fits');
  await p.writeFits(file);
  // The occulter's extent 3.5 λ/D at λ/D/8: 2·⌈28⌉ + 3 samples.
  t.match(readFits(file).header, { MFTPIX2: LAMD / 8, MFTN2: 59 });
  const json = {
    type: 'fresnel',
    beamRadius: A,
    npix: 128,
    oversample: 2,
    planes: [
      { optics: [{ type: 'CircularAperture', radius: 0.98 * A }] },
      { distance: F, optics: [{ type: 'QuadraticLens', focalLength: F }] },
      { distance: F, optics: [{ type: 'CircularOcculter', radius: 3 * LAMD, shiftX: SHIFT }], mftSampling: { pixelSize: LAMD / 8 } },
      { distance: F, optics: [{ type: 'QuadraticLens', focalLength: F }] },
      {
        distance: F,
        optics: [
          { type: 'CircularAperture', radius: 0.8 * A },
          { type: 'QuadraticLens', focalLength: F },
        ],
      },
    ],
    detector: { pixelSize: LAMD / 2, fovPixels: 65, distance: F },
  };
  const q = await loadFresnelSystem(json).calcPsf({ wavelength: LAM });
  t.equal(maxDiff(p.data, q.data), 0, 'the JSON system gives the same PSF');
  const bad = (m: unknown) => new FresnelOpticalSystem({ beamRadius: A, npix: 64 }).addOptic([occulter()], { mftSampling: m as MftSampling });
  t.throws(() => bad({ pixelSize: -1 }), /mftSampling\.pixelSize must be greater than 0, got -1/);
  t.throws(() => bad({ pixelSize: 1e-6, fovPixels: 0 }), /mftSampling\.fovPixels/);
  t.throws(() => bad({ pixelSize: 1e-6, step: 2 }), /step is not an option/);
  t.throws(() => bad(3), /mftSampling must be an object/);
  t.throws(() => bad({ pixelSize: 1e-12 }), /needs \d+ samples of 1e-12 m per side \(at most 16384\)/);
  const plane = new FresnelOpticalSystem({ beamRadius: A, npix: 64 });
  t.throws(() => plane.addOptic([new KnifeEdge({})], { mftSampling: { pixelSize: 1e-6 } }), /needs fovPixels: the optics have no finite extent/);
  t.throws(() => plane.addOptic([], { mftSampling: { pixelSize: 1e-6 } }), /needs optics on the plane/);
  t.throws(
    () => loadFresnelSystem({ ...json, planes: [{ optics: [{ type: 'CircularOcculter', radius: 1e-4 }], mftSampling: { pixelSize: 0 } }] }),
    /mftSampling\.pixelSize must be greater than 0/,
  );
});
