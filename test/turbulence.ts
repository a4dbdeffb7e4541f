// Turbulence and PSD screens: KolmogorovWFE's structure function is
// (λ/2π)²·6.88·(r/r0)^(5/3) from 2 pixels to the screen's width (5%, the
// mean of 2000 screens); a periodic FFT screen of the same spectrum is not;
// r0, Cn², the reference wavelength and the outer and inner scales act as
// stated; PowerSpectrumWFE's periodograms recover its PSD's level (3%) and
// its rms, reflection and incidence scale the OPD exactly.
import t from 'tap';
import { createHash } from 'node:crypto';
import { CircularAperture, KolmogorovWFE, OpticalSystem, opticFromJson, PowerSpectrumWFE, powerSpectrum, randomScreen, turbulencePsd } from '../lib/index';

/** Mean squared difference of an n × n screen's samples `lag` apart along x and y. */
function structure(s: Float64Array, n: number, lag: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j + lag < n; j++) sum += (s[i * n + j + lag]! - s[i * n + j]!) ** 2 + (s[(j + lag) * n + i]! - s[j * n + i]!) ** 2;
  return sum / (2 * n * (n - lag));
}

const theory = (r: number, r0: number, wavelength: number) => (wavelength / (2 * Math.PI)) ** 2 * 6.88387718 * (r / r0) ** (5 / 3);
const LAGS = [2, 4, 8, 16, 31];

t.test('KolmogorovWFE: D(r) = (λ/2π)²·6.88·(r/r0)^(5/3) from 2 pixels to the screen width (5%, 2000 screens)', async (t) => {
  const n = 32;
  const radius = 0.5;
  const sums = LAGS.map(() => 0);
  const screens = 2000;
  for (let seed = 0; seed < screens; seed++) {
    const w = new KolmogorovWFE({ r0: 0.1, referenceWavelength: 5e-7, radius, samples: n, seed });
    LAGS.forEach((lag, k) => {
      sums[k]! += structure(w.screen, n, lag) / screens;
    });
  }
  LAGS.forEach((lag, k) => {
    const ratio = sums[k]! / theory((lag * 2 * radius) / n, 0.1, 5e-7);
    t.ok(Math.abs(ratio - 1) < 0.05, `r = ${lag} px: D/theory = ${ratio.toFixed(4)}`);
  });
});

t.test('a periodic FFT screen of the same spectrum loses the large scales (why the low frequencies are waves)', async (t) => {
  const n = 32;
  const psd = turbulencePsd({ kind: 'Kolmogorov', r0: 0.1, referenceWavelength: 5e-7 });
  let d = 0;
  for (let seed = 0; seed < 200; seed++) d += structure(randomScreen({ n, side: 1, psd, seed }), n, 31) / 200;
  const ratio = d / theory(31 / 32, 0.1, 5e-7);
  t.ok(ratio < 0.2, `periodic screen at 31 px: D/theory = ${ratio.toFixed(3)}`);
});

t.test('r0 at the reference wavelength sets the OPD scale exactly; Cn²·dz gives the same r0; same bits for a seed', async (t) => {
  const base = new KolmogorovWFE({ r0: 0.1, referenceWavelength: 5e-7, samples: 64, seed: 9 });
  // OPD ∝ λref·r0^(−5/6): r0 = 0.2 at 1 µm is the same turbulence as (0.2·2^(−6/5)) at 0.5 µm.
  const other = new KolmogorovWFE({ r0: 0.2, referenceWavelength: 1e-6, samples: 64, seed: 9 });
  const scale = 2 * 2 ** (-5 / 6);
  const peak = Math.max(...base.screen.map(Math.abs));
  t.ok(
    other.screen.every((v, i) => Math.abs(v - scale * base.screen[i]!) <= 1e-13 * scale * peak),
    'r0 and λref scale one draw (1e-13 of its peak)',
  );
  const cn2 = 1e-16;
  const dz = 5000;
  const byPath = new KolmogorovWFE({ cn2, dz, referenceWavelength: 5e-7, samples: 64, seed: 9 });
  t.ok(Math.abs(byPath.fried / (0.185 * 5e-7 ** 1.2 * (cn2 * dz) ** -0.6) - 1) < 1e-14, `r0 from Cn²·dz: ${byPath.fried.toFixed(4)} m`);
  const digest = (a: Float64Array) => createHash('sha256').update(Buffer.from(a.buffer)).digest('hex');
  t.equal(digest(new KolmogorovWFE({ r0: 0.1, samples: 64, seed: 9 }).screen), digest(base.screen), 'the same seed, the same bits');
  t.equal(digest(base.screen), 'fe94377384a8df5cfccda5840a1319c1eda927ddeb7918e7395e246c32bb335c', 'the recorded bits (any platform, any run)');
});

t.test('outer and inner scales: von Kármán tends to Kolmogorov as L0 grows and saturates at large r; an inner scale smooths small r', async (t) => {
  const n = 32;
  const kolmogorov = new KolmogorovWFE({ r0: 0.1, samples: n, seed: 4 });
  const far = new KolmogorovWFE({ r0: 0.1, kind: 'von Karman', outerScale: 1e12, samples: n, seed: 4 });
  const peak = Math.max(...kolmogorov.screen.map(Math.abs));
  t.ok(
    far.screen.every((v, i) => Math.abs(v - kolmogorov.screen[i]!) < 1e-3 * peak),
    'L0 = 1e12 m (below every subharmonic): the Kolmogorov screen to 1e-3 of its peak',
  );
  const mean = (opts: object, lag: number) => {
    let d = 0;
    for (let seed = 0; seed < 100; seed++) d += structure(new KolmogorovWFE({ r0: 0.1, samples: n, seed, ...opts }).screen, n, lag) / 100;
    return d / theory((lag * 2) / n, 0.1, 5e-7);
  };
  // POPPY's convention, κ² + 1/L0² (κ in rad/m): the spectrum flattens below 1/(2π·L0) cycles/m.
  const [small, large] = [mean({ kind: 'von Karman', outerScale: 0.5 }, 2), mean({ kind: 'von Karman', outerScale: 0.5 }, 31)];
  t.ok(small < 1 && large < 0.2 * small, `L0 = 0.5 m over a 2 m screen: D/Kolmogorov ${small.toFixed(3)} at 2 px, ${large.toFixed(3)} at 31 px`);
  const inner = mean({ kind: 'Tatarski', innerScale: 0.3 }, 2);
  t.ok(inner < 0.8 * mean({}, 2), `Tatarski l0 = 0.3 m: D/theory ${inner.toFixed(3)} at 2 px`);
});

t.test('a PSF through turbulence is the same serially, in threads and in worker processes; JSON round trip', async (t) => {
  const o = new OpticalSystem({ npix: 128 });
  o.addPupil([new CircularAperture({ radius: 1 }), new KolmogorovWFE({ r0: 0.3, samples: 128, seed: 5 })]);
  o.addDetector({ pixelscale: 0.02, fovPixels: 32 });
  const source = { wavelengths: [1e-6, 1.2e-6] };
  const serial = await o.calcPsf({ source, parallel: 'none' });
  for (const parallel of ['threads', 'processes'] as const) {
    const p = await o.calcPsf({ source, parallel, nProcesses: 2 });
    t.ok(
      p.data.every((v, i) => Math.abs(v - serial.data[i]!) <= 1e-15 * serial.peak()),
      `${parallel}: the serial PSF`,
    );
  }
  const json = new KolmogorovWFE({ r0: 0.1, kind: 'von Karman', outerScale: 20, samples: 32, seed: 2 }).toJSON();
  t.same(
    Array.from((opticFromJson(json, 'o') as InstanceType<typeof KolmogorovWFE>).screen),
    Array.from(new KolmogorovWFE({ r0: 0.1, kind: 'von Karman', outerScale: 20, samples: 32, seed: 2 }).screen),
  );
});

t.test('PowerSpectrumWFE: the mean periodogram of 100 screens is the PSD (3%, octave bands of rings 4 … 63)', async (t) => {
  const n = 128;
  const side = 2;
  const models = [
    { alpha: 3, beta: 1e-18, outerScale: 0.5 },
    { alpha: 2, beta: 2e-20, surfaceRoughness: 1e-24 },
  ];
  const weights = [1, 0.5];
  const psd = (f: number) =>
    models.reduce((s, m, i) => s + weights[i]! * (m.beta / ((m.outerScale ? m.outerScale ** -2 : 0) + f * f) ** (m.alpha / 2) + (m.surfaceRoughness ?? 0)), 0);
  const sums = new Float64Array(n / 2);
  const counts = new Float64Array(n / 2);
  for (let seed = 0; seed < 100; seed++) {
    const w = new PowerSpectrumWFE({ psdParameters: models, psdWeight: weights, oversize: 1, radius: side / 2, samples: n, seed });
    const p = powerSpectrum(w.screen, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const [ky, kx] = [i < n / 2 ? i : i - n, j < n / 2 ? j : j - n];
        const k = Math.round(Math.hypot(kx, ky));
        if (k >= 4 && k < n / 2) {
          // E|X_k|² = N⁴·PSD(f)·Δf² for a screen with variance Σ PSD·Δf².
          sums[k]! += p[i * n + j]! / (n ** 4 * psd(Math.hypot(kx, ky) / side) * side ** -2);
          counts[k]!++;
        }
      }
  }
  // Octave bands of rings (each a few thousand independent modes: ~1 % noise).
  let worst = 0;
  for (let lo = 4; lo < n / 2; lo *= 2) {
    let [s, c] = [0, 0];
    for (let k = lo; k < 2 * lo; k++) [s, c] = [s + sums[k]!, c + counts[k]!];
    worst = Math.max(worst, Math.abs(s / c - 1));
  }
  t.ok(worst < 0.03, `largest octave-band deviation of periodogram/PSD: ${(worst * 100).toFixed(2)} %`);
});

t.test('PowerSpectrumWFE: rms over the circle exactly; reflection doubles and incidence divides by cos θ', async (t) => {
  const psdParameters = [{ alpha: 3, beta: 1e-18 }];
  const plain = new PowerSpectrumWFE({ psdParameters, rms: 2e-8, samples: 64, seed: 3 });
  const inside: number[] = [];
  for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) if (Math.hypot(i - 31.5, j - 31.5) <= 32) inside.push(plain.screen[i * 64 + j]!);
  const rms = Math.sqrt(inside.reduce((s, v) => s + v * v, 0) / inside.length);
  t.ok(Math.abs(rms / 2e-8 - 1) < 1e-12, `surface rms ${rms.toExponential(6)} m`);
  const tilted = new PowerSpectrumWFE({ psdParameters, rms: 2e-8, samples: 64, seed: 3, applyReflection: true, incidentAngle: 60 });
  t.ok(
    tilted.screen.every((v, i) => Math.abs(v - 4 * plain.screen[i]!) <= 1e-12 * Math.abs(v) + 1e-30),
    'reflection at 60°: OPD = 2·surface/cos 60° = 4·surface',
  );
});

t.test('bad turbulence and PSD parameters name the argument', async (t) => {
  t.throws(() => new KolmogorovWFE({}), { message: /KolmogorovWFE needs r0, or cn2 and dz/ });
  t.throws(() => new KolmogorovWFE({ r0: 0.1, cn2: 1e-16, dz: 10 }), { message: /needs r0, or cn2 and dz \(not both\)/ });
  t.throws(() => new KolmogorovWFE({ cn2: 1e-16 }), { message: /needs r0, or cn2 and dz/ });
  t.throws(() => new KolmogorovWFE({ r0: 0.1, kind: 'von Karman' }), { message: /kind 'von Karman' needs outerScale/ });
  t.throws(() => new KolmogorovWFE({ r0: 0.1, outerScale: 10 }), { message: /outerScale applies only to kind 'von Karman'/ });
  t.throws(() => new KolmogorovWFE({ r0: 0.1, kind: 'Hill' }), { message: /kind 'Hill' needs innerScale/ });
  t.throws(() => new KolmogorovWFE({ r0: -1 }), { message: /r0 must be greater than 0, got -1/ });
  t.throws(() => new KolmogorovWFE({ r0: 0.1, kind: 'Gaussian' as never }), { message: /kind must be one of/ });
  t.throws(() => new KolmogorovWFE({ r0: 0.1, samples: 100 }), { message: /samples must be a power of two, got 100/ });
  t.throws(() => new PowerSpectrumWFE({ psdParameters: [] }), { message: /psdParameters must be a non-empty array/ });
  t.throws(() => new PowerSpectrumWFE({ psdParameters: [{ alpha: 3 } as never] }), { message: /psdParameters\[0\]\.beta is required/ });
  t.throws(() => new PowerSpectrumWFE({ psdParameters: [{ alpha: 3, beta: 1, gamma: 2 } as never] }), { message: /gamma/ });
  t.throws(() => new PowerSpectrumWFE({ psdParameters: [{ alpha: 3, beta: 1 }], psdWeight: [1, 2] }), { message: /psdWeight has 2 weights for 1 PSD models/ });
  t.throws(() => new PowerSpectrumWFE({ psdParameters: [{ alpha: 3, beta: 1 }], incidentAngle: 90 }), {
    message: /incidentAngle must be less than 90 degrees, got 90/,
  });
  t.throws(() => new PowerSpectrumWFE({ psdParameters: [{ alpha: 3, beta: 1 }], samples: 2048, oversize: 4 }), {
    message: /samples × oversize must be at most 4096/,
  });
});
