// Random wavefront screens: the same bits for a seed (on every run and
// platform: the digest below is fixed), in every parallel mode; the RMS asked
// for over the circle (1%); and the power-law index recovered from the
// periodograms of 100 screens (±0.05).
import t from 'tap';
import { createHash } from 'node:crypto';
import { CircularAperture, OpticalSystem, powerSpectrum, randomScreen, StatisticalPSDWFE } from '../lib/index';
import { grid, whole } from './helpers/sampling';

t.test('a seed gives the same screen, bit for bit (fixed SHA-256), and another seed another screen', async (t) => {
  const draw = (seed: number) => randomScreen({ n: 64, side: 2, psd: (f) => f ** -3, seed });
  const digest = (a: Float64Array) => createHash('sha256').update(Buffer.from(a.buffer)).digest('hex');
  t.equal(digest(draw(7)), digest(draw(7)), 'twice the same');
  t.equal(digest(draw(7)), 'f75ca38f5e2ad4af3093f3db1d7c3e1175c4957b9de956e37920087cc92f0935', 'the recorded bits (any platform, any run)');
  t.not(digest(draw(8)), digest(draw(7)), 'another seed');
});

t.test('StatisticalPSDWFE has the requested RMS over its circle (1%) at the screen sampling and another', async (t) => {
  const w = new StatisticalPSDWFE({ index: 3, rms: 4e-8, radius: 1, seed: 3, samples: 256 });
  for (const n of [256, 200]) {
    const opd = w.sample(grid(n, 2), whole(n)).opd!;
    const inside: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.hypot(i - (n - 1) / 2, j - (n - 1) / 2) <= n / 2) inside.push(opd[i * n + j]!);
    const mean = inside.reduce((a, v) => a + v, 0) / inside.length;
    const rms = Math.sqrt(inside.reduce((a, v) => a + (v - mean) ** 2, 0) / inside.length);
    t.ok(Math.abs(rms / 4e-8 - 1) < 0.01, `npix ${n}: RMS ${rms.toExponential(4)} m`);
  }
  t.throws(() => new StatisticalPSDWFE({ samples: 100 }), { message: /samples must be a power of two, got 100/ });
});

t.test('the periodograms of 100 screens recover the power-law index (±0.05)', async (t) => {
  const n = 128;
  for (const index of [2.5, 3, 11 / 3]) {
    const sums = new Float64Array(n / 2);
    const counts = new Float64Array(n / 2);
    for (let s = 0; s < 100; s++) {
      const p = powerSpectrum(randomScreen({ n, side: 2, psd: (f) => f ** -index, seed: 500 + s }), n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const k = Math.round(Math.hypot(i < n / 2 ? i : i - n, j < n / 2 ? j : j - n));
          if (k >= 3 && k < n / 2) {
            sums[k]! += p[i * n + j]!;
            counts[k]!++;
          }
        }
    }
    // Least-squares slope of log P against log f over rings 3 … 63.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 3; k < n / 2; k++) {
      xs.push(Math.log(k));
      ys.push(Math.log(sums[k]! / counts[k]!));
    }
    const mx = xs.reduce((a, v) => a + v, 0) / xs.length;
    const my = ys.reduce((a, v) => a + v, 0) / ys.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    t.ok(Math.abs(-slope - index) < 0.05, `index ${index.toFixed(3)}: recovered ${(-slope).toFixed(3)}`);
  }
});

t.test('a PSF with a screen is the same serially, in threads and in worker processes', async (t) => {
  const o = new OpticalSystem({ npix: 128 });
  o.addPupil([new CircularAperture({ radius: 1 }), new StatisticalPSDWFE({ rms: 5e-8, seed: 11, samples: 128 })]);
  o.addDetector({ pixelscale: 0.02, fovPixels: 32 });
  const source = { wavelengths: [1e-6, 1.1e-6, 1.2e-6] };
  const serial = await o.calcPsf({ source, parallel: 'none' });
  for (const parallel of ['threads', 'processes'] as const) {
    const p = await o.calcPsf({ source, parallel, nProcesses: 2 });
    t.ok(
      p.data.every((v, i) => Math.abs(v - serial.data[i]!) <= 1e-15 * serial.peak()),
      `${parallel}: the serial PSF`,
    );
  }
});
