// OPD decomposition: coefficients recovered from OPDs made of the basis
// (noise-free, any aperture) to 1e-9, in Zernikes and hexikes, with and
// without Gram–Schmidt; and from an optic's sampled OPD.
import t from 'tap';
import { composeOpd, decomposeOpd, ZernikeWFE } from '../lib/index';

/** A fixed pseudo-random sequence in [−1, 1) (LCG), so the test is the same every run. */
function randoms(n: number, seed = 12345): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const shape: [number, number] = [128, 128];

t.test('random Zernike and hexike coefficients come back to 1e-9 (least squares)', async (t) => {
  for (const basis of ['zernike', 'hexike'] as const) {
    const c = randoms(21).map((v) => v * 1e-7);
    const opd = composeOpd(c, { shape, basis });
    const back = decomposeOpd(opd, { shape, basis, nterms: 21 });
    t.ok(maxAbs(back, c) < 1e-9 * 1e-7, `${basis}: max |Δc| ${(maxAbs(back, c) / 1e-7).toExponential(2)} of the coefficients' scale`);
  }
});

t.test('an obscured aperture still determines the terms; Gram–Schmidt coefficients carry the RMS', async (t) => {
  const c = randoms(15, 777).map((v) => v * 5e-8);
  const opd = composeOpd(c, { shape });
  const aperture = new Float64Array(128 * 128);
  for (let i = 0; i < 128; i++)
    for (let j = 0; j < 128; j++) {
      const r = Math.hypot(i - 63.5, j - 63.5) / 64;
      aperture[i * 128 + j] = r <= 1 && r >= 0.3 && Math.abs(i - 63.5) > 2 ? 1 : 0; // annulus with a horizontal spider
    }
  const back = decomposeOpd(opd, { shape, nterms: 15, aperture });
  t.ok(maxAbs(back, c) < 1e-9 * 5e-8, `least squares over an annulus with a spider: ${(maxAbs(back, c) / 5e-8).toExponential(2)}`);
  const gs = decomposeOpd(opd, { shape, nterms: 15, aperture, gramSchmidt: true });
  let sum = 0;
  let count = 0;
  for (let i = 0; i < opd.length; i++) {
    if (!aperture[i]) continue;
    sum += opd[i]! ** 2;
    count++;
  }
  const rms = Math.sqrt(sum / count);
  const rss = Math.hypot(...gs);
  t.ok(Math.abs(rss / rms - 1) < 1e-9, `Gram–Schmidt: √Σc² ${rss.toExponential(6)} = RMS over the aperture ${rms.toExponential(6)}`);
});

t.test("an optic's sampled OPD decomposes into its own coefficients", async (t) => {
  const c = [0, 2e-8, -1e-8, 3e-8, 0, 1.5e-8, 0, -2e-8, 0, 0, 1e-8];
  const n = 128;
  const opd = new ZernikeWFE({ radius: 1, coefficients: c }).sample(
    { ny: n, nx: n, cy: (n - 1) / 2, cx: (n - 1) / 2, scale: 2 / n },
    { y0: 0, x0: 0, ny: n, nx: n },
  ).opd!;
  const back = decomposeOpd(opd, { shape: [n, n], nterms: c.length });
  t.ok(maxAbs(back, c) < 1e-9 * 3e-8, `ZernikeWFE → decomposeOpd: ${(maxAbs(back, c) / 3e-8).toExponential(2)}`);
});

t.test('bad decompositions name the argument', async (t) => {
  t.throws(() => decomposeOpd(new Float64Array(10), { shape, nterms: 3 }), { message: /opd has 10 elements but options.shape \[128, 128\] needs 16384/ });
  t.throws(() => decomposeOpd(new Float64Array(16384), { shape, nterms: 0 }), { message: /options.nterms/ });
  t.throws(() => decomposeOpd(new Float64Array(16384), { shape, nterms: 3, basis: 'legendre' as never }), { message: /options.basis/ });
  t.throws(() => decomposeOpd(new Float64Array(16384), { shape, nterms: 3, nterm: 4 } as never), { message: /options.nterm/ });
  const tiny = new Float64Array(16384);
  tiny[64 * 128 + 64] = 1;
  t.throws(() => decomposeOpd(new Float64Array(16384), { shape, nterms: 3, aperture: tiny }), { message: /does not determine term 2/ });
  const nan = new Float64Array(16384);
  nan[64 * 128 + 64] = Number.NaN;
  t.throws(() => decomposeOpd(nan, { shape, nterms: 3 }), { message: /opd\[8256\] is NaN inside the aperture/ });
});
