// Spectra and datacubes: blackbody weights are Planck's photons integrated
// over each bin (1e-6, against a 4000-step Simpson rule); a table spectrum
// through a table bandpass integrates exactly; datacube slices are the
// single-wavelength PSFs bit for bit, serially, in threads and in worker
// processes; the cube's FITS file carries POPPY's WAVELNii keywords.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type Bandpass,
  CircularAperture,
  loadSystem,
  OpticalSystem,
  planck,
  readFitsCube,
  readFitsImage,
  type Source,
  type Spectrum,
  sourceFromSpectrum,
} from '../lib/index';

function simpson(f: (x: number) => number, a: number, b: number, n = 4000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * f(a + k * h);
  return (s * h) / 3;
}

t.test("blackbody weights are Planck's photons over each bin (1e-6); wavelengths are the bin centres", async (t) => {
  for (const temperature of [3000, 5800, 20000]) {
    const src = sourceFromSpectrum({ kind: 'blackbody', temperature }, { kind: 'topHat', min: 0.6e-6, max: 2.4e-6 }, { nlambda: 9 });
    const edges = Array.from({ length: 10 }, (_, i) => 0.6e-6 + i * 0.2e-6);
    const photons = edges.slice(0, 9).map((a, i) => simpson((x) => planck(x, temperature) * x, a, edges[i + 1]!));
    const total = photons.reduce((s, v) => s + v, 0);
    const worst = Math.max(...photons.map((p, i) => Math.abs(src.weights![i]! - p / total)));
    t.ok(worst < 1e-6, `T = ${temperature} K: largest weight error ${worst.toExponential(2)}`);
    t.ok(
      src.wavelengths.every((w, i) => Math.abs(w - (edges[i]! + 0.1e-6)) < 1e-18),
      'bin centres',
    );
  }
});

t.test('a power law and a table spectrum through a table bandpass; bad spectra name the argument', async (t) => {
  const flat = sourceFromSpectrum({ kind: 'powerLaw', index: -1 }, { kind: 'topHat', min: 1e-6, max: 2e-6 }, { nlambda: 4 });
  t.ok(
    flat.weights!.every((w) => Math.abs(w - 0.25) < 1e-14),
    'F_λ ∝ 1/λ: equal photons per equal bin',
  );
  // F_λ = 1, T rising linearly from 0 to 1 over [1, 2] µm: photons ∝ ∫ (x − 1)·x dx per bin.
  const ramp = sourceFromSpectrum(
    { kind: 'table', wavelengths: [0.5e-6, 3e-6], flux: [1, 1] },
    { kind: 'table', wavelengths: [1e-6, 2e-6], throughput: [0, 1] },
    { nlambda: 2 },
  );
  const F = (x: number) => x ** 3 / 3 - x ** 2 / 2; // ∫ (x − 1)x dx, x in µm
  const [a, b] = [F(1.5) - F(1), F(2) - F(1.5)];
  t.ok(Math.abs(ramp.weights![0]! - a / (a + b)) < 1e-14, `exact for tables: ${ramp.weights![0]} vs ${a / (a + b)}`);
  t.throws(() => sourceFromSpectrum({ kind: 'blackbody', temperature: -5 }, { kind: 'topHat', min: 1e-6, max: 2e-6 }, { nlambda: 3 }), {
    message: /spectrum\.temperature must be greater than 0/,
  });
  t.throws(() => sourceFromSpectrum({ kind: 'powerLaw', index: 0 }, { kind: 'topHat', min: 2e-6, max: 1e-6 }, { nlambda: 3 }), {
    message: /bandpass\.max must be greater than/,
  });
  t.throws(() => sourceFromSpectrum({ kind: 'grey' } as never, { kind: 'topHat', min: 1e-6, max: 2e-6 }, { nlambda: 3 }), {
    message: /spectrum\.kind must be one of/,
  });
  t.throws(() => sourceFromSpectrum({ kind: 'powerLaw', index: 0 }, { kind: 'table', wavelengths: [2e-6, 1e-6], throughput: [1, 1] }, { nlambda: 3 }), {
    message: /bandpass\.wavelengths must increase/,
  });
  t.throws(() => sourceFromSpectrum({ kind: 'table', wavelengths: [3e-6, 4e-6], flux: [1, 1] }, { kind: 'topHat', min: 1e-6, max: 2e-6 }, { nlambda: 3 }), {
    message: /collects no photons/,
  });
});

t.test('datacube slices are the single-wavelength PSFs bit for bit in every mode; the FITS cube has WAVELNii', async (t) => {
  const o = new OpticalSystem({ npix: 128 });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addDetector({ pixelscale: 0.02, fovPixels: 24, oversample: 2 });
  const source = sourceFromSpectrum({ kind: 'blackbody', temperature: 5800 }, { kind: 'topHat', min: 1e-6, max: 1.3e-6 }, { nlambda: 3 });
  const singles = await Promise.all(source.wavelengths.map((wavelength) => o.calcPsf({ wavelength, parallel: 'none' })));
  for (const parallel of ['none', 'threads', 'processes'] as const) {
    const cube = await o.calcDatacube({ source, parallel, nProcesses: 2 });
    t.same(cube.shape, [3, 48, 48]);
    t.ok(
      singles.every((p, i) => cube.slice(i).data.every((v, k) => v === p.data[k])),
      `${parallel}: every slice equals calcPsf({ wavelength })`,
    );
  }
  const cube = await o.calcDatacube({ source });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airy-cube-')), 'cube.fits');
  await cube.writeFits(file);
  const hdu0 = readFitsCube(file, 'f', 0);
  t.same(hdu0.shape, [3, 48, 48], 'a 3-D HDU of 3 planes');
  t.same([hdu0.header.WAVELN00, hdu0.header.WAVELN01, hdu0.header.WAVELN02], source.wavelengths, 'WAVELNii');
  t.same(hdu0.data, cube.data, 'the planes, in order');
  const det = readFitsCube(file, 'f', 1);
  t.same([det.extname, det.shape], ['DET_SAMP', [3, 24, 24]]);
  t.same(det.data.subarray(24 * 24, 2 * 24 * 24), cube.slice(1).detSampled.data, 'detector-sampled plane 1');
  t.throws(() => readFitsImage(file, 'f', 0), { message: /cube of 3 planes; a 2D image is required/ });
  await t.rejects(o.calcDatacube({ source, returnIntermediates: true }), { message: /calcDatacube does not return intermediates/ });
});

t.test('a JSON source may be a spectrum through a bandpass; its errors name the JSON path', async (t) => {
  const spectral = {
    spectrum: { kind: 'blackbody', temperature: 5800 },
    bandpass: { kind: 'topHat', min: 1e-6, max: 1.5e-6 },
    nlambda: 4,
    offsetR: 0.01,
  };
  const system = (source: unknown) => ({
    npix: 64,
    source,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'detector', pixelscale: 0.05, fovPixels: 8 },
    ],
  });
  const o = loadSystem(system(spectral));
  const expected = sourceFromSpectrum(spectral.spectrum as Spectrum, spectral.bandpass as Bandpass, { nlambda: 4 });
  const got = o.defaultSource!;
  t.same([got.wavelengths, got.offsetR, got.offsetTheta], [expected.wavelengths, 0.01, 0], 'the bins of sourceFromSpectrum, and the offset');
  t.ok(
    got.weights!.every((w, i) => Math.abs(w - expected.weights![i]!) < 1e-15),
    'its photon weights (renormalised to rounding)',
  );
  const psf = await o.calcPsf({ source: spectral as Source });
  t.equal(psf.header.NWAVES, 4, 'calcPsf takes the same form');
  t.throws(() => loadSystem(system({ ...spectral, spectrum: { kind: 'blackbody', temperature: 0 } })), {
    message: /source\.spectrum\.temperature must be greater than 0/,
  });
  t.throws(() => loadSystem(system({ ...spectral, nlambda: 0 })), { message: /source\.nlambda must be/ });
  t.throws(() => loadSystem(system({ ...spectral, weights: [1] })), { message: /source\.weights is not a spectral source parameter/ });
});
