/**
 * Wavefront errors drawn as random screens (screens.ts): a power law
 * (StatisticalPSDWFE), POPPY's sum of von Kármán-like PSD models
 * (PowerSpectrumWFE) and atmospheric turbulence (KolmogorovWFE). Each draws
 * its screen once, from its seed, over a square around the circle of
 * `radius`; the system resamples it onto the pupil grid, so one seed gives
 * one surface at any npix.
 */
import type { NativeLayer } from '../binding';
import { finiteNumber, knownKeys, show } from '../validate';
import { defineOptic, type Placement } from './optic';
import { choice, flag, integerParam, numberOr, optionalNumbers, optionalPositive, type Param } from './params';
import { randomScreen } from './screens';

/** Samples a screen may have a side. */
const MAX_SCREEN = 4096;

const screenParams = {
  radius: numberOr('m', 'Radius of the circle the screen is drawn around (it covers the square around it)', 1, { above: 0 }),
  seed: integerParam('Seed of the random screen', 0, 2 ** 32 - 1, 0),
  samples: integerParam('Samples across 2·radius (a power of two)', 16, MAX_SCREEN, 256),
};

function checkPowerOfTwo(path: string, n: number): void {
  if ((n & (n - 1)) !== 0) throw new RangeError(`${path} must be a power of two, got ${n}`);
}

/** Indices of the samples of an n × n screen inside its inscribed circle. */
function insideCircle(n: number): number[] {
  const inside: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.hypot(i - (n - 1) / 2, j - (n - 1) / 2) <= n / 2) inside.push(i * n + j);
  return inside;
}

/** The screen minus its mean over the circle, times `scale`; `rms` instead scales it to that RMS over the circle. */
function overCircle(screen: Float64Array, n: number, opts: { scale?: number; rms?: number }): Float64Array {
  const inside = insideCircle(n);
  const mean = inside.reduce((s, k) => s + screen[k]!, 0) / inside.length;
  const spread = Math.sqrt(inside.reduce((s, k) => s + (screen[k]! - mean) ** 2, 0) / inside.length);
  const scale = opts.rms === undefined ? (opts.scale ?? 1) : spread > 0 ? opts.rms / spread : 0;
  return screen.map((v) => (v - mean) * scale);
}

/** The screen as an OPD array layer over the square of side 2·radius. */
function screenLayer(p: { samples: number; radius: number; screen: Float64Array }, at: Placement): NativeLayer {
  return { kind: 'array', ny: p.samples, nx: p.samples, pixelscale: (2 * p.radius) / p.samples, opd: p.screen, ...at };
}

/**
 * A random wavefront error with a power-law spectrum, PSD ∝ f^(−index), drawn from seed (the same screen on every
 * run, platform and parallel mode) on a square of side 2·radius with samples² points, its mean removed and scaled
 * to rms over the circle of radius; resampled onto the pupil grid, so one seed gives one surface at any npix.
 * Parameters: index, default 3; rms (m), default 5e-8; radius (m), default 1; seed, default 0; samples, default
 * 256. Reference: docs/optics.md.
 */
export const StatisticalPSDWFE = defineOptic({
  type: 'StatisticalPSDWFE',
  doc: 'A random wavefront error with a power-law spectrum, PSD ∝ f^(−index), drawn from seed (the same screen on every run, platform and parallel mode) on a square of side 2·radius with samples² points, its mean removed and scaled to rms over the circle of radius; resampled onto the pupil grid, so one seed gives one surface at any npix.',
  params: {
    index: numberOr('', 'Power-law index of the 2D spectrum', 3, { above: 0 }),
    rms: numberOr('m', 'RMS over the circle of radius', 5e-8, { min: 0 }),
    ...screenParams,
  },
  planes: ['pupil'],
  finish: (p, path) => {
    checkPowerOfTwo(`${path}.samples`, p.samples);
    const screen = randomScreen({ n: p.samples, side: 2 * p.radius, psd: (f) => f ** -p.index, seed: p.seed });
    return { screen: overCircle(screen, p.samples, { rms: p.rms }) };
  },
  extent: (p) => p.radius * Math.SQRT2,
  layers: (p, at) => [screenLayer(p, at)],
});

/** One PSD model of PowerSpectrumWFE (POPPY's psd_parameters entry), surface units. */
export interface PsdModel {
  /** Power-law index α. */
  alpha: number;
  /** Normalisation β, m^(4−α) (surface m² per (cycle/m)², times (cycle/m)^α). */
  beta: number;
  /** Outer scale L0, m: the PSD flattens below 1/L0 cycles/m (0: a pure power law). */
  outerScale?: number;
  /** Inner scale l0, m: the PSD falls as exp(−(f·l0)²) (0: none). */
  innerScale?: number;
  /** Surface roughness floor β_sr added to the PSD, m⁴. */
  surfaceRoughness?: number;
}

const psdModels: Param<Required<PsdModel>[], PsdModel[]> = {
  unit: 'm, m⁴',
  doc: 'PSD models, summed: β·exp(−(f·l0)²)/((1/L0)² + f²)^(α/2) + β_sr, f in cycles/m; each { alpha, beta, outerScale, innerScale, surfaceRoughness }',
  required: true,
  defaultText: '',
  parse(path, v) {
    if (!Array.isArray(v) || v.length === 0)
      throw new TypeError(`${path} must be a non-empty array of { alpha, beta, outerScale, innerScale, surfaceRoughness }, got ${show(v)}`);
    return v.map((m, i) => {
      const at = `${path}[${i}]`;
      if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new TypeError(`${at} must be an object { alpha, beta, ... }, got ${show(m)}`);
      knownKeys(`${at}.`, m, ['alpha', 'beta', 'outerScale', 'innerScale', 'surfaceRoughness']);
      const get = (k: keyof PsdModel, opts: { min?: number }, def?: number) => {
        const x = (m as Record<string, unknown>)[k];
        if (x === undefined && def !== undefined) return def;
        if (x === undefined) throw new TypeError(`${at}.${k} is required`);
        return finiteNumber(`${at}.${k}`, x, opts);
      };
      return {
        alpha: get('alpha', {}),
        beta: get('beta', { min: 0 }),
        outerScale: get('outerScale', { min: 0 }, 0),
        innerScale: get('innerScale', { min: 0 }, 0),
        surfaceRoughness: get('surfaceRoughness', { min: 0 }, 0),
      };
    });
  },
};

/** The summed, weighted PSD of the models, surface m² per (cycle/m)², at f cycles/m. */
function modelPsd(models: Required<PsdModel>[], weights: number[]): (f: number) => number {
  return (f) =>
    models.reduce((sum, m, i) => {
      const flat = m.outerScale > 0 ? m.outerScale ** -2 : 0;
      return sum + weights[i]! * ((m.beta * Math.exp(-((f * m.innerScale) ** 2))) / (flat + f * f) ** (m.alpha / 2) + m.surfaceRoughness);
    }, 0);
}

/** The central n × n of an N × N array. */
function crop(a: Float64Array, big: number, n: number): Float64Array {
  const out = new Float64Array(n * n);
  const o = (big - n) / 2;
  for (let i = 0; i < n; i++) out.set(a.subarray((i + o) * big + o, (i + o) * big + o + n), i * n);
  return out;
}

/**
 * A surface error from a sum of PSD models (POPPY's PowerSpectrumWFE): each β·exp(−(f·l0)²)/((1/L0)² + f²)^(α/2) +
 * β_sr, weighted; drawn periodic over a square oversize times 2·radius wide and cropped to the square around the
 * circle of radius; optionally scaled to a surface rms over that circle; OPD = surface / cos(incidentAngle), twice
 * that with applyReflection. Parameters: psdParameters (m, m⁴); psdWeight, optional; rms (m), optional;
 * incidentAngle (deg), default 0; applyReflection, default false; oversize, default 4; radius (m), default 1; seed,
 * default 0; samples, default 256. Reference: docs/optics.md.
 */
export const PowerSpectrumWFE = defineOptic({
  type: 'PowerSpectrumWFE',
  doc: "A surface error from a sum of PSD models (POPPY's PowerSpectrumWFE): each β·exp(−(f·l0)²)/((1/L0)² + f²)^(α/2) + β_sr, weighted; drawn periodic over a square oversize times 2·radius wide and cropped to the square around the circle of radius; optionally scaled to a surface rms over that circle; OPD = surface / cos(incidentAngle), twice that with applyReflection.",
  params: {
    psdParameters: psdModels,
    psdWeight: optionalNumbers('', 'Weight of each PSD model (default 1 each)'),
    rms: optionalPositive('m', 'Surface RMS over the circle of radius, mean removed (default: as drawn)'),
    incidentAngle: numberOr('deg', 'Angle of incidence (< 90)', 0, { min: 0 }),
    applyReflection: flag('OPD = 2 × surface (a reflection)', false),
    oversize: integerParam('The periodic screen is drawn this many times 2·radius wide (a power of two)', 1, 16, 4),
    ...screenParams,
  },
  planes: ['pupil'],
  finish: (p, path) => {
    checkPowerOfTwo(`${path}.samples`, p.samples);
    checkPowerOfTwo(`${path}.oversize`, p.oversize);
    if (p.samples * p.oversize > MAX_SCREEN)
      throw new RangeError(`${path}: samples × oversize must be at most ${MAX_SCREEN}, got ${p.samples} × ${p.oversize}`);
    if (p.incidentAngle >= 90) throw new RangeError(`${path}.incidentAngle must be less than 90 degrees, got ${p.incidentAngle}`);
    const weights = p.psdWeight ?? p.psdParameters.map(() => 1);
    if (weights.length !== p.psdParameters.length)
      throw new RangeError(`${path}.psdWeight has ${weights.length} weights for ${p.psdParameters.length} PSD models`);
    const big = p.samples * p.oversize;
    const drawn = randomScreen({ n: big, side: 2 * p.radius * p.oversize, psd: modelPsd(p.psdParameters, weights), seed: p.seed });
    const factor = (p.applyReflection ? 2 : 1) / Math.cos((p.incidentAngle * Math.PI) / 180);
    const surface = overCircle(crop(drawn, big, p.samples), p.samples, p.rms === undefined ? {} : { rms: p.rms });
    return { screen: surface.map((v) => v * factor) };
  },
  extent: (p) => p.radius * Math.SQRT2,
  layers: (p, at) => [screenLayer(p, at)],
});

/**
 * The Kolmogorov phase PSD is A·r0^(−5/3)·f^(−11/3), f in cycles/m, with A
 * such that D(r) = 2∫PSD·(1 − cos 2πf·r) = 6.8839·(r/r0)^(5/3):
 * A = 6.8839 / (4π·(2π)^(5/3)·∫u^(−8/3)(1 − J0(u))du).
 */
const KOLMOGOROV = 0.022895587108555;
const TURBULENCE_KINDS = ['Kolmogorov', 'von Karman', 'Tatarski', 'Hill'] as const;

interface Turbulence {
  kind: (typeof TURBULENCE_KINDS)[number];
  r0: number;
  referenceWavelength: number;
  innerScale?: number;
  outerScale?: number;
}

/**
 * The OPD PSD of turbulence, m² per (cycle/m)², as POPPY's KolmogorovWFE
 * shapes it (κ = 2πf rad/m): von Kármán (κ² + 1/L0²)^(−11/6); inner scale
 * exp(−κ²/κm²), κm = 5.92/l0 (Tatarski, von Kármán) or Hill's bump in κ·l0.
 */
export function turbulencePsd(t: Turbulence): (f: number) => number {
  const toOpd = (t.referenceWavelength / (2 * Math.PI)) ** 2 * KOLMOGOROV * t.r0 ** (-5 / 3);
  const flat = t.kind === 'von Karman' ? (2 * Math.PI * t.outerScale!) ** -2 : 0;
  const l0 = t.innerScale;
  const inner = (kappa: number) => {
    if (l0 === undefined || t.kind === 'Kolmogorov') return 1;
    if (t.kind !== 'Hill') return Math.exp(-(((kappa * l0) / 5.92) ** 2));
    const m = kappa * l0;
    return (1 + 0.70937 * m + 2.8235 * m ** 2 - 0.28086 * m ** 3 + 0.08277 * m ** 4) * Math.exp(-1.109 * m);
  };
  return (f) => toOpd * (f * f + flat) ** (-11 / 6) * inner(2 * Math.PI * f);
}

/** r0 at the reference wavelength: given, or from Cn² and the path length (r0 = 0.185·λ^(6/5)·(Cn²·dz)^(−3/5)). */
function friedParameter(
  p: { r0?: number; cn2?: number; dz?: number; referenceWavelength: number; kind: string; innerScale?: number; outerScale?: number },
  path: string,
): number {
  const byPath = p.cn2 !== undefined || p.dz !== undefined;
  if ((p.r0 === undefined) === !byPath || (byPath && (p.cn2 === undefined || p.dz === undefined)))
    throw new TypeError(`${path} needs r0, or cn2 and dz (not both)`);
  if (p.kind === 'von Karman' && p.outerScale === undefined) throw new TypeError(`${path}: kind 'von Karman' needs outerScale`);
  if (p.kind !== 'von Karman' && p.outerScale !== undefined) throw new TypeError(`${path}.outerScale applies only to kind 'von Karman'`);
  if ((p.kind === 'Tatarski' || p.kind === 'Hill') && p.innerScale === undefined) throw new TypeError(`${path}: kind '${p.kind}' needs innerScale`);
  if (p.kind === 'Kolmogorov' && p.innerScale !== undefined) throw new TypeError(`${path}.innerScale does not apply to kind 'Kolmogorov'`);
  return p.r0 ?? 0.185 * p.referenceWavelength ** 1.2 * (p.cn2! * p.dz!) ** -0.6;
}

/**
 * Atmospheric turbulence: a random OPD screen with the Kolmogorov spectrum (or von Kármán, Tatarski, Hill) for the
 * Fried parameter r0 at referenceWavelength, so D(r) = (λ/2π)²·6.88·(r/r0)^(5/3) in OPD at any wavelength (r0
 * scales as λ^(6/5)). Drawn from seed with its low frequencies as subharmonic waves, so the screen is not periodic
 * and holds the large scales; its mean over the circle of radius removed. Parameters: r0 (m), optional; cn2
 * (m^(−2/3)), optional; dz (m), optional; referenceWavelength (m), default 5e-7; kind, default 'Kolmogorov';
 * innerScale (m), optional; outerScale (m), optional; radius (m), default 1; seed, default 0; samples, default 256.
 * Reference: docs/optics.md.
 */
export const KolmogorovWFE = defineOptic({
  type: 'KolmogorovWFE',
  doc: 'Atmospheric turbulence: a random OPD screen with the Kolmogorov spectrum (or von Kármán, Tatarski, Hill) for the Fried parameter r0 at referenceWavelength, so D(r) = (λ/2π)²·6.88·(r/r0)^(5/3) in OPD at any wavelength (r0 scales as λ^(6/5)). Drawn from seed with its low frequencies as subharmonic waves, so the screen is not periodic and holds the large scales; its mean over the circle of radius removed.',
  params: {
    r0: optionalPositive('m', 'Fried parameter at referenceWavelength'),
    cn2: optionalPositive('m^(−2/3)', 'Refractive-index structure constant (with dz, instead of r0)'),
    dz: optionalPositive('m', 'Path length through the turbulence (with cn2)'),
    referenceWavelength: numberOr('m', 'Wavelength r0 refers to', 5e-7, { above: 0 }),
    kind: choice('Spectrum', TURBULENCE_KINDS, 'Kolmogorov'),
    innerScale: optionalPositive('m', "Inner scale l0 ('von Karman', 'Tatarski', 'Hill')"),
    outerScale: optionalPositive('m', "Outer scale L0 ('von Karman')"),
    ...screenParams,
  },
  planes: ['pupil'],
  finish: (p, path) => {
    checkPowerOfTwo(`${path}.samples`, p.samples);
    const r0 = friedParameter(p, path);
    const psd = turbulencePsd({ ...p, r0 });
    const screen = randomScreen({ n: p.samples, side: 2 * p.radius, psd, seed: p.seed, subharmonics: true });
    return { fried: r0, screen: overCircle(screen, p.samples, {}) };
  },
  extent: (p) => p.radius * Math.SQRT2,
  layers: (p, at) => [screenLayer(p, at)],
});
