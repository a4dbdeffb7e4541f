// Deformable mirrors: a poke is its influence function at any pupil
// sampling; the OPD is twice the surface; setting actuators between calls
// changes the PSF and re-samples only the mirror's pupil plane.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CircularAperture,
  ContinuousDeformableMirror,
  HexSegmentedDeformableMirror,
  loadSystem,
  OpticalSystem,
  opticFromJson,
  writeFitsImages,
} from '../lib/index';
import { native } from '../lib/binding';
import { grid, whole } from './helpers/sampling';

const sigmaOf = (spacing: number) => spacing / Math.sqrt(-Math.log(0.15));

t.test('a poke is its Gaussian influence function (1e-6) at two pupil samplings; the neighbour feels 15 %', async (t) => {
  const spacing = 0.1;
  const dm = new ContinuousDeformableMirror({ actuators: [12, 12], actuatorSpacing: spacing });
  dm.setActuator(5, 7, 2e-8);
  // Actuator (5, 7) of 12: x = (7 − 5.5)·s, y = (5 − 5.5)·s.
  const [xa, ya] = [1.5 * spacing, -0.5 * spacing];
  for (const n of [128, 203]) {
    const g = grid(n, 1.6);
    const opd = dm.sample(g, whole(n)).opd!;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = (j - g.cx) * g.scale;
        const y = (i - g.cy) * g.scale;
        const expected = 2 * 2e-8 * Math.exp(-((x - xa) ** 2 + (y - ya) ** 2) / sigmaOf(spacing) ** 2);
        worst = Math.max(worst, Math.abs(opd[i * n + j]! - expected));
      }
    t.ok(worst < 1e-6 * 4e-8, `npix ${n}: max |OPD − 2h·exp(−r²/σ²)| = ${(worst / 4e-8).toExponential(2)} of the peak`);
  }
  const at = (x: number, y: number) =>
    new ContinuousDeformableMirror({ actuators: [12, 12], actuatorSpacing: spacing, surface: dm.surfaceHeights }).sample(
      { ny: 1, nx: 1, cy: -y / 1e-3, cx: -x / 1e-3, scale: 1e-3 },
      whole(1),
    ).opd![0]!;
  t.ok(Math.abs(at(xa + spacing, ya) / at(xa, ya) - 0.15) < 1e-12, 'one spacing away: 15 % of the poke');
  const single = new ContinuousDeformableMirror({ actuators: [12, 12], actuatorSpacing: spacing, surface: dm.surfaceHeights, includeFactorOfTwo: false });
  t.ok(
    Math.abs(single.sample({ ny: 1, nx: 1, cy: -ya / 1e-3, cx: -xa / 1e-3, scale: 1e-3 }, whole(1)).opd![0]! - 2e-8) < 1e-20,
    'includeFactorOfTwo: false → OPD = surface',
  );
});

t.test('setting actuators between calls changes the PSF and re-samples only the mirror plane', async (t) => {
  const dm = new ContinuousDeformableMirror({ actuators: [10, 10], radius: 1 });
  const o = new OpticalSystem({ npix: 256 });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addPupil(dm);
  o.addDetector({ pixelscale: 0.02, fovPixels: 48 });
  const calls: number[] = [];
  const raster = native().rasterPlane;
  const counting = ((...a: Parameters<typeof raster>) => {
    calls.push(a[0].length);
    return raster(...a);
  }) as typeof raster;
  native().rasterPlane = counting;
  try {
    const flat = await o.calcPsf({ wavelength: 1e-6 });
    t.same(calls, [1, 2], 'first call: the aperture (1 layer) and the mirror (actuators and its clear aperture)');
    calls.length = 0;
    const again = await o.calcPsf({ wavelength: 1e-6 });
    t.same(calls, [], 'nothing changed: nothing re-sampled');
    t.same(again.data, flat.data);
    dm.setActuator(4, 4, 5e-8);
    const poked = await o.calcPsf({ wavelength: 1e-6 });
    t.same(calls, [2], 'one actuator set: only the mirror plane re-sampled');
    t.ok(poked.peak() < flat.peak() * 0.999, `the poke lowers the peak (${(poked.peak() / flat.peak()).toFixed(5)})`);
    dm.flatten();
    calls.length = 0;
    const back = await o.calcPsf({ wavelength: 1e-6 });
    t.same(calls, [2], 'flattened: the mirror plane again');
    t.ok(
      back.data.every((v, i) => Math.abs(v - flat.data[i]!) <= 1e-15 * flat.peak()),
      'flat again: the flat PSF',
    );
  } finally {
    native().rasterPlane = raster;
  }
});

t.test('JSON keeps the surface; bad mirrors and bad settings name the argument', async (t) => {
  const dm = new ContinuousDeformableMirror({ actuators: [2, 3], actuatorSpacing: 0.2 });
  dm.setActuator(1, 2, 1e-8);
  t.same(dm.toJSON(), { type: 'ContinuousDeformableMirror', actuators: [2, 3], actuatorSpacing: 0.2, surface: [0, 0, 0, 0, 0, 1e-8] });
  const o = loadSystem({
    npix: 64,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 0.3 }, dm.toJSON()] },
      { kind: 'detector', pixelscale: 0.1, fovPixels: 8 },
    ],
  });
  t.ok(o.planes[0]!.kind === 'pupil' && o.planes[0]!.optics[1] instanceof ContinuousDeformableMirror, 'JSON makes the class with its setters');
  t.throws(() => new ContinuousDeformableMirror({ actuators: [2, 3] }), { message: /needs actuatorSpacing or radius/ });
  t.throws(() => new ContinuousDeformableMirror({ actuators: [2, 0], radius: 1 }), { message: /actuators must be \[ny, nx\]/ });
  t.throws(() => new ContinuousDeformableMirror({ actuators: [2, 2], radius: 1, surface: [1, 2, 3] }), {
    message: /surface has 3 heights but actuators \[2, 2\] need 4/,
  });
  t.throws(() => dm.setActuator(2, 0, 1e-8), { message: /setActuator: \(iy, ix\) must be within \[0, 2\) × \[0, 3\), got \(2, 0\)/ });
  t.throws(() => dm.setActuator(0, 0, Number.NaN), { message: /height must be a finite number/ });
  t.throws(() => dm.setSurface([1, 2]), { message: /setSurface: needs 6 heights, got 2/ });
});

t.test('HexSegmentedDeformableMirror: a λ/4 surface piston on one of 18 segments gives ((N−2)/N)² on axis (1e-3); JSON', async (t) => {
  const layout = { rings: 2, flatToFlat: 1.32, gap: 0.007, center: false };
  const dm = new HexSegmentedDeformableMirror(layout);
  const o = new OpticalSystem({ npix: 1024 });
  o.addPupil(dm);
  o.addDetector({ pixelscale: 0.001, fovPixels: 3 });
  const flat = (await o.calcPsf({ wavelength: 2e-6, normalize: 'none' })).data[4]!;
  dm.setActuator(9, 0.5e-6); // surface λ/4: OPD λ/2 on reflection
  const ratio = (await o.calcPsf({ wavelength: 2e-6, normalize: 'none' })).data[4]! / flat;
  t.ok(Math.abs(ratio - (16 / 18) ** 2) < 1e-3, `on axis ${ratio.toFixed(6)} vs ${((16 / 18) ** 2).toFixed(6)}`);
  t.same(dm.toJSON(), {
    type: 'HexSegmentedDeformableMirror',
    rings: 2,
    center: false,
    flatToFlat: 1.32,
    gap: 0.007,
    surface: { 9: { piston: 0.5e-6, tip: 0, tilt: 0 } },
  });
  dm.flatten();
  t.equal((await o.calcPsf({ wavelength: 2e-6, normalize: 'none' })).data[4], flat, 'flattened: the flat PSF again');
  t.throws(() => dm.setActuator(0, 1e-7), { message: /segment 0 is not in this mirror \(18 segments\)/ });
  t.throws(() => dm.setActuator(3, 1e-7, Number.POSITIVE_INFINITY), { message: /tip must be a finite number/ });
});

t.test('a mirror set while a processes-mode call runs: that call keeps its surface, the next one takes the new one', async (t) => {
  const dm = new ContinuousDeformableMirror({ actuators: [8, 8], radius: 1 });
  const o = new OpticalSystem({ npix: 128 });
  o.addPupil(dm);
  o.addDetector({ pixelscale: 0.02, fovPixels: 32 });
  const source = { wavelengths: [1e-6, 1.05e-6, 1.1e-6, 1.15e-6] };
  const flatSerial = await o.calcPsf({ source, parallel: 'none' });
  const running = o.calcPsf({ source, parallel: 'processes', startMethod: 'spawn', nProcesses: 2 });
  dm.setActuator(3, 4, 4e-8);
  const poked = await o.calcPsf({ source, parallel: 'processes', startMethod: 'spawn', nProcesses: 2 });
  const flat = await running;
  const pokedSerial = await o.calcPsf({ source, parallel: 'none' });
  const diff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  t.ok(diff(flat.data, flatSerial.data) < 1e-15, 'the running call: the flat mirror');
  t.ok(diff(poked.data, pokedSerial.data) < 1e-15, 'the next call: the poked mirror');
  t.ok(diff(poked.data, flat.data) > 1e-6 * flat.peak(), 'and they differ');
});

// A measured influence function from FITS (POPPY's influence_func: SAMPLING
// pixels per actuator spacing). Here the file holds an elliptical Gaussian,
// σx = 0.8 and σy = 0.5 spacings, at 32 pixels per spacing: a poke equals the
// function the file samples to 1e-6 of its height at two pupil samplings
// (cubic convolution of the table), with x along the file's columns.
function influenceFile(sampling: number, header = true): string {
  const half = 4 * sampling;
  const n = 2 * half + 1;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) data[i * n + j] = Math.exp(-(((j - half) / sampling / 0.8) ** 2) - ((i - half) / sampling / 0.5) ** 2);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airy-dm-')), 'influence.fits');
  writeFitsImages(file, [{ data, shape: [n, n], cards: header ? [['SAMPLING', sampling, 'pixels per actuator spacing']] : [] }]);
  return file;
}

t.test('a FITS influence function: a poke is the function the file samples (1e-6) at two pupil samplings, x along columns', async (t) => {
  const spacing = 0.1;
  const file = influenceFile(32);
  const dm = new ContinuousDeformableMirror({ actuators: [12, 12], actuatorSpacing: spacing, influence: file });
  dm.setActuator(5, 7, 2e-8);
  const [xa, ya] = [1.5 * spacing, -0.5 * spacing];
  for (const n of [128, 203]) {
    const g = grid(n, 1.6);
    const opd = dm.sample(g, whole(n)).opd!;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const dx = ((j - g.cx) * g.scale - xa) / spacing;
        const dy = ((i - g.cy) * g.scale - ya) / spacing;
        const expected = Math.abs(dx) <= 4 && Math.abs(dy) <= 4 ? 4e-8 * Math.exp(-((dx / 0.8) ** 2) - (dy / 0.5) ** 2) : 0;
        worst = Math.max(worst, Math.abs(opd[i * n + j]! - expected));
      }
    t.ok(worst < 1e-6 * 4e-8, `npix ${n}: max |OPD − 2h·I| = ${(worst / 4e-8).toExponential(2)} of the peak`);
  }
  const json = dm.toJSON();
  t.equal(json.influence, file, 'JSON names the file');
  const again = opticFromJson(json, 'dm') as ContinuousDeformableMirror;
  const g = grid(64, 1.6);
  t.same(Array.from(again.sample(g, whole(64)).opd!), Array.from(dm.sample(g, whole(64)).opd!), 'from JSON: the same surface');
});

t.test('a FITS influence function in a PSF is the same serially and in worker processes', async (t) => {
  const o = new OpticalSystem({ npix: 128 });
  const dm = new ContinuousDeformableMirror({ actuators: [8, 8], radius: 1, influence: influenceFile(16) });
  dm.setActuator(2, 5, 5e-8);
  o.addPupil([new CircularAperture({ radius: 1 }), dm]);
  o.addDetector({ pixelscale: 0.02, fovPixels: 32 });
  const source = { wavelengths: [1e-6, 1.1e-6] };
  const serial = await o.calcPsf({ source, parallel: 'none' });
  const spawned = await o.calcPsf({ source, parallel: 'processes', nProcesses: 2 });
  t.ok(
    spawned.data.every((v, i) => Math.abs(v - serial.data[i]!) <= 1e-15 * serial.peak()),
    'processes: the serial PSF',
  );
});

t.test('bad influence functions name the file and the problem', async (t) => {
  t.throws(() => new ContinuousDeformableMirror({ actuators: [4, 4], actuatorSpacing: 0.1, influence: influenceFile(8, false) }), {
    message: /influence: .*influence\.fits has no SAMPLING keyword \(pixels per actuator spacing\)/,
  });
  t.throws(() => new ContinuousDeformableMirror({ actuators: [4, 4], actuatorSpacing: 0.1, influence: '/nonexistent/dm.fits' }), {
    message: /influence: FITS file \/nonexistent\/dm\.fits does not exist/,
  });
  t.throws(() => new ContinuousDeformableMirror({ actuators: [4, 4], actuatorSpacing: 0.1, influence: 3 as never }), {
    message: /influence must be 'gaussian' or a FITS file path, got 3/,
  });
});
