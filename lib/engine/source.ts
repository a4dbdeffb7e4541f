/** Sources: wavelengths, weights and offset, checked once for code and JSON alike. */
import { finiteNumber, knownKeys, show } from '../validate';
import { type Bandpass, type Spectrum, sourceFromSpectrum } from './spectrum';

/** A polychromatic source: wavelengths and weights, or a spectrum through a bandpass. */
export type Source = WeightedSource | SpectralSource;

/** A source given by its wavelengths and weights. */
export interface WeightedSource {
  /** Wavelengths, metres. */
  wavelengths: number[];
  /** Relative weights (renormalised to sum to 1). Default equal weights. */
  weights?: number[];
  /** Offset from the axis, arcsec. Default 0. */
  offsetR?: number;
  /** Position angle of the offset, degrees counter-clockwise from +y. Default 0. */
  offsetTheta?: number;
}

/**
 * A source given by its spectrum through a bandpass, split into `nlambda`
 * equal bins weighted by their photons (see {@link sourceFromSpectrum}).
 */
export interface SpectralSource {
  spectrum: Spectrum;
  bandpass: Bandpass;
  /** Number of wavelengths (bins across the bandpass). */
  nlambda: number;
  /** Offset from the axis, arcsec. Default 0. */
  offsetR?: number;
  /** Position angle of the offset, degrees counter-clockwise from +y. Default 0. */
  offsetTheta?: number;
}

/** A checked source: weights sum to 1. */
export interface ResolvedSource {
  wavelengths: number[];
  weights: number[];
  offsetR: number;
  offsetTheta: number;
}

const SOURCE_KEYS = ['wavelengths', 'weights', 'offsetR', 'offsetTheta'];
const SPECTRAL_KEYS = ['spectrum', 'bandpass', 'nlambda', 'offsetR', 'offsetTheta'];

/** Wavelengths one PSF may sum (each is a whole propagation; larger sets are a datacube or a grid). */
export const MAX_WAVELENGTHS = 100_000;

/** Checks a source object (errors name `path`), renormalising the weights. */
export function resolveSource(s: unknown, path = 'source'): ResolvedSource {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    throw new TypeError(`${path} must be an object { wavelengths, weights } or { spectrum, bandpass, nlambda }, got ${show(s)}`);
  }
  let o = s as Record<string, unknown>;
  if ('spectrum' in o || 'bandpass' in o) {
    knownKeys(`${path}.`, o, SPECTRAL_KEYS, 'a spectral source parameter');
    const { spectrum, bandpass, nlambda, ...offset } = o as unknown as SpectralSource;
    o = { ...sourceFromSpectrum(spectrum, bandpass, { nlambda }, `${path}.`), ...offset };
  }
  knownKeys(`${path}.`, o, SOURCE_KEYS, 'a source parameter');
  if (!Array.isArray(o.wavelengths) || o.wavelengths.length === 0) {
    throw new TypeError(`${path}.wavelengths must be a non-empty array of wavelengths in metres, got ${show(o.wavelengths)}`);
  }
  if (o.wavelengths.length > MAX_WAVELENGTHS) {
    throw new RangeError(`${path}.wavelengths has ${o.wavelengths.length} entries; at most ${MAX_WAVELENGTHS} in one PSF`);
  }
  const wavelengths = o.wavelengths.map((v, i) => checkWavelength(`${path}.wavelengths[${i}]`, v));
  let weights = wavelengths.map(() => 1);
  if (o.weights !== undefined) {
    if (!Array.isArray(o.weights)) throw new TypeError(`${path}.weights must be an array of numbers, got ${show(o.weights)}`);
    if (o.weights.length !== wavelengths.length) {
      throw new RangeError(`${path}.weights has ${o.weights.length} entries but ${path}.wavelengths has ${wavelengths.length}`);
    }
    weights = o.weights.map((v, i) => finiteNumber(`${path}.weights[${i}]`, v, { min: 0 }));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError(`${path}.weights sum to zero; at least one weight must be positive`);
  if (!Number.isFinite(total)) throw new RangeError(`${path}.weights sum to Infinity; scale them down (only their ratios matter)`);
  return {
    wavelengths,
    weights: weights.map((w) => w / total),
    offsetR: o.offsetR === undefined ? 0 : finiteNumber(`${path}.offsetR`, o.offsetR, { min: 0 }),
    offsetTheta: o.offsetTheta === undefined ? 0 : finiteNumber(`${path}.offsetTheta`, o.offsetTheta),
  };
}

/** One wavelength as a source. */
export function monochromatic(wavelength: unknown): ResolvedSource {
  return { wavelengths: [checkWavelength('wavelength', wavelength)], weights: [1], offsetR: 0, offsetTheta: 0 };
}

/** Wavelengths airy takes, metres: gamma rays to radio; beyond them the transforms' scales under- or overflow. */
export const WAVELENGTH_RANGE: readonly [number, number] = [1e-12, 1e3];

function checkWavelength(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < WAVELENGTH_RANGE[0] || v > WAVELENGTH_RANGE[1])
    throw new RangeError(`${name} must be a wavelength in [${WAVELENGTH_RANGE[0]}, ${WAVELENGTH_RANGE[1]}] m, got ${show(v)}`);
  return v;
}
