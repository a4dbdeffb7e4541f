// The vortex coronagraph by multi-resolution MFT: an ideal vortex rejects an
// on-axis source and passes an off-axis one, the Lyot-plane field is the
// analytic one, the padded FFT converges towards it, the box sampling does
// not change it, every parallel mode agrees, and bad set-ups fail clearly.
import t from 'tap';
import { maxDiff } from './helpers/arrays';
import { CircularAperture, config, loadSystem, type Optic, OpticalSystem, type Propagation, shutdownPool, VortexCoronagraph } from '../lib/index';

const LAM = 1e-6;
const LAMD = (LAM / 2) * 206264.806; // arcsec, D = 2 m
const FOV = 65; // odd: a detector pixel on the axis
const MID = (FOV >> 1) * FOV + (FOV >> 1);

interface VortexOptions {
  npix: number;
  charge: number; // 0: no mask
  lyot: number;
  propagation?: Propagation;
  oversample?: number;
  maskSampling?: number;
}

function system(o: VortexOptions): OpticalSystem {
  const s = new OpticalSystem({ npix: o.npix, oversample: o.oversample ?? 2, propagation: o.propagation ?? 'auto', maskSampling: o.maskSampling });
  s.addPupil(new CircularAperture({ radius: 1 }));
  s.addImage(o.charge ? new VortexCoronagraph({ charge: o.charge }) : []);
  s.addPupil(new CircularAperture({ radius: o.lyot }));
  s.addDetector({ pixelscale: LAMD / 4, fovPixels: FOV });
  return s;
}

const max = (a: Float64Array) => a.reduce((x, y) => Math.max(x, y), 0);

t.test('an ideal vortex rejects the on-axis source and passes one at 5 λ/D', async (t) => {
  const open = await system({ npix: 256, charge: 0, lyot: 1, propagation: 'fft' }).calcPsf({ wavelength: LAM });
  const peak = open.data[MID]!;
  const offAxis = { wavelengths: [LAM], weights: [1], offsetR: 5 * LAMD, offsetTheta: 30 };
  for (const charge of [2, 4]) {
    const same = await system({ npix: 256, charge, lyot: 1 }).calcPsf({ wavelength: LAM });
    t.match(same.imagePlanes, [{ method: 'mft', model: 'analytic', sampling: 4, reason: /vortex/ }]);
    t.ok(same.data[MID]! / peak < 1e-8, `charge ${charge}, Lyot stop = pupil: on-axis ${(same.data[MID]! / peak).toExponential(2)} of the open peak`);
    const under = await system({ npix: 256, charge, lyot: 0.95 }).calcPsf({ wavelength: LAM });
    t.ok(max(under.data) / peak < 1e-8, `charge ${charge}, Lyot stop 0.95: brightest leak ${(max(under.data) / peak).toExponential(2)} of the open peak`);
    const off = await system({ npix: 256, charge, lyot: 1 }).calcPsf({ source: offAxis });
    const offOpen = await system({ npix: 256, charge: 0, lyot: 1, propagation: 'fft' }).calcPsf({ source: offAxis });
    const pass = max(off.data) / max(offOpen.data);
    t.ok(pass > 0.5, `charge ${charge}: a source at 5 λ/D keeps ${(100 * pass).toFixed(1)}% of its peak`);
  }
});

// For a uniform circular pupil of radius R the charge-2 vortex sends all the
// light outside R: E(r, φ) = i² (R/r)² e^{2iφ} E0 for r > R, 0 inside.
t.test('charge 2: the Lyot-plane field outside the pupil is −(R/r)² e^{2iφ}', async (t) => {
  const npix = 256;
  const s = new OpticalSystem({ npix, oversample: 2, pupilDiameter: 2 });
  s.addPupil(new CircularAperture({ radius: 0.5 }));
  s.addImage(new VortexCoronagraph({ charge: 2 }));
  s.addPupil(new CircularAperture({ radius: 1 }));
  s.addDetector({ pixelscale: LAMD / 4, fovPixels: 16 });
  const planes = (await s.calcPsf({ wavelength: LAM, returnIntermediates: true })).intermediates![0]!;
  const e0 = planes[0]!.field;
  const f = planes[2]!.field;
  let a0 = 0;
  for (let i = 0; i < e0.length; i += 2) a0 = Math.max(a0, e0[i]!);
  const R = npix / 4;
  let fitRe = 0;
  let fitIm = 0;
  let norm = 0;
  const samples: [number, number, number, number][] = [];
  for (let i = 0; i < npix; i++) {
    for (let j = 0; j < npix; j++) {
      const x = j - (npix - 1) / 2;
      const y = i - (npix - 1) / 2;
      const r = Math.hypot(x, y);
      if (r < 1.1 * R || r > 1.8 * R) continue;
      const want = (R / r) ** 2;
      const ph = 2 * Math.atan2(y, x);
      const re = f[2 * (i * npix + j)]! / a0;
      const im = f[2 * (i * npix + j) + 1]! / a0;
      fitRe += (re * Math.cos(ph) + im * Math.sin(ph)) * want;
      fitIm += (im * Math.cos(ph) - re * Math.sin(ph)) * want;
      norm += want * want;
      samples.push([re, im, want * Math.cos(ph), want * Math.sin(ph)]);
    }
  }
  t.ok(Math.hypot(fitRe / norm + 1, fitIm / norm) < 1e-3, `fitted factor ${(fitRe / norm).toFixed(6)} + ${(fitIm / norm).toExponential(1)}i (analytic −1)`);
  const rms = Math.sqrt(samples.reduce((a, [re, im, mr, mi]) => a + (re + mr) ** 2 + (im + mi) ** 2, 0) / samples.length);
  t.ok(rms < 5e-3, `rms residual against the analytic field for 1.1R < r < 1.8R: ${rms.toExponential(2)}`);
});

t.test('the padded FFT converges towards the vortex by MFT, whose box sampling does not matter', async (t) => {
  const base = { npix: 128, charge: 4, lyot: 0.95 };
  const ref = await system(base).calcPsf({ wavelength: LAM });
  const peak = max((await system({ ...base, charge: 0, propagation: 'fft' }).calcPsf({ wavelength: LAM })).data);
  const fft8 = maxDiff((await system({ ...base, propagation: 'fft', oversample: 8 }).calcPsf({ wavelength: LAM })).data, ref.data) / peak;
  const fft16 = maxDiff((await system({ ...base, propagation: 'fft', oversample: 16 }).calcPsf({ wavelength: LAM })).data, ref.data) / peak;
  t.ok(fft16 < fft8 / 5 && fft16 < 1e-4, `FFT at oversample 8: ${fft8.toExponential(2)}, 16: ${fft16.toExponential(2)} of the open peak`);
  for (const q of [3, 6]) {
    const d = maxDiff((await system({ ...base, maskSampling: q }).calcPsf({ wavelength: LAM })).data, ref.data) / peak;
    t.ok(d < 1e-10, `box sampling ${q} vs 4: ${d.toExponential(2)}`);
  }
});

t.test('every parallel mode gives the serial vortex PSF bit for bit (serial kernels on one thread)', async (t) => {
  const source = { wavelengths: [0.9e-6, 1e-6, 1.1e-6], weights: [1, 2, 1], offsetR: 2 * LAMD, offsetTheta: 10 };
  // Mode 1 of the seed: workers run one-thread kernels, so serial does too.
  config.set({ blasThreads: 1 });
  t.teardown(() => config.reset());
  const serial = await system({ npix: 96, charge: 2, lyot: 0.95 }).calcPsf({ source, parallel: 'none' });
  for (const parallel of ['threads', 'processes'] as const) {
    const p = await system({ npix: 96, charge: 2, lyot: 0.95 }).calcPsf({ source, parallel, nProcesses: 2, allowOversubscribe: true });
    t.equal(p.data.filter((v, i) => v !== serial.data[i]).length, 0, `${parallel}: samples that differ`);
  }
  await shutdownPool();
});

t.test('a chromatic vortex (design wavelength) goes by FFT: the ideal one at its wavelength, leaking away from it', async (t) => {
  const build = (vortex: Optic, propagation: Propagation = 'auto') => {
    const s = new OpticalSystem({ npix: 96, oversample: 4, propagation });
    s.addPupil(new CircularAperture({ radius: 1 }));
    s.addImage(vortex);
    s.addPupil(new CircularAperture({ radius: 0.9 }));
    s.addDetector({ pixelscale: LAMD / 4, fovPixels: FOV });
    return s;
  };
  const chromatic = build(new VortexCoronagraph({ charge: 2, wavelength: LAM }));
  const at = await chromatic.calcPsf({ wavelength: LAM });
  t.match(at.imagePlanes, [{ method: 'fft', reason: /chromatic vortex/ }]);
  const ideal = await build(new VortexCoronagraph({ charge: 2 }), 'fft').calcPsf({ wavelength: LAM });
  t.ok(maxDiff(at.data, ideal.data) <= 1e-12 * max(ideal.data), 'at its design wavelength it is the ideal vortex sampled the same way');
  const off = await chromatic.calcPsf({ wavelength: 1.2 * LAM });
  t.ok(max(off.data) > 100 * max(at.data), `at 1.2 λ0 it leaks ${(max(off.data) / max(at.data)).toExponential(1)}× more`);
});

t.test('vortex set-ups: JSON, the FFT on request, clear errors', async (t) => {
  const json = (vortex: object, extra: object = {}) => ({
    npix: 64,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'image', optics: [{ type: 'VortexCoronagraph', ...vortex }], ...extra },
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 0.9 }] },
      { kind: 'detector', pixelscale: 0.02, fovPixels: 16 },
    ],
  });
  const byMft = await loadSystem(json({ charge: 6, rotation: 10 })).calcPsf({ wavelength: LAM });
  t.match(byMft.imagePlanes, [{ method: 'mft', model: 'analytic' }]);
  t.equal(byMft.header.IMMODL1, 'analytic');
  const byFft = await loadSystem(json({}, { propagation: 'fft' })).calcPsf({ wavelength: LAM });
  t.match(byFft.imagePlanes, [{ method: 'fft', model: 'sampled' }], 'charge defaults to 2; the FFT samples it');
  t.throws(() => new VortexCoronagraph({ charge: 0 }), /charge must not be 0/);
  t.throws(() => new VortexCoronagraph({ charge: 2.5 }), /charge/);
  t.throws(() => loadSystem(json({ charge: 99 })), /planes\[1\]\.optics\[0\]\.charge/);
  await t.rejects(loadSystem(json({ shiftX: 0.1 })).calcPsf({ wavelength: LAM }), /cannot be shifted/);
  await t.rejects(loadSystem(json({}, { maskModel: 'sampled', propagation: 'mft' })).calcPsf({ wavelength: LAM }), /planes\[1\]: a vortex by MFT takes/);
  t.throws(() => new OpticalSystem({ npix: 64 }).addPupil(new VortexCoronagraph({})), /belongs in image planes/);
});
