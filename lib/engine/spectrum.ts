/**
 * Sources from spectra, as POPPY and synphot weight them: the bandpass is
 * split into n bins of equal width, each bin's wavelength is its centre and
 * its weight the photons it collects, ∫ F_λ(λ)·T(λ)·λ dλ over the bin
 * (photons ∝ energy × λ/(hc)), normalised to sum 1. The integrals are exact
 * for tables (piecewise linear, split at their nodes) and to 1e-12 for a
 * blackbody (16-point Gauss–Legendre on pieces at most 1/16 of a bin wide).
 */
import { finiteNumber, integer, knownKeys, oneOf, show } from '../validate';
import { gaussLegendre } from '../quadrature';
import type { WeightedSource } from './source';

/** A source spectrum F_λ (energy per unit wavelength; any scale). */
export type Spectrum =
  | { kind: 'blackbody'; temperature: number }
  | { kind: 'powerLaw'; index: number }
  | { kind: 'table'; wavelengths: number[]; flux: number[] };

/** A bandpass T(λ): a top hat, or a table of throughputs. */
export type Bandpass = { kind: 'topHat'; min: number; max: number } | { kind: 'table'; wavelengths: number[]; throughput: number[] };

const H = 6.62607015e-34;
const C = 299792458;
const K = 1.380649e-23;

/** Planck's F_λ, W m⁻² m⁻¹ sr⁻¹. */
export function planck(wavelength: number, temperature: number): number {
  return (2 * H * C * C) / wavelength ** 5 / Math.expm1((H * C) / (wavelength * K * temperature));
}

interface Table {
  x: number[];
  y: number[];
}

function table(where: string, x: unknown, y: unknown, yName: string): Table {
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.length < 2)
    throw new TypeError(`${where} needs wavelengths and ${yName} arrays of the same length (at least 2), got ${show(x)} and ${show(y)}`);
  const xs = x.map((v, i) => finiteNumber(`${where}.wavelengths[${i}]`, v, { exclusiveMin: 0 }));
  xs.forEach((v, i) => {
    if (i > 0 && !(v > xs[i - 1]!)) throw new RangeError(`${where}.wavelengths must increase, but [${i}] = ${v} follows ${xs[i - 1]}`);
  });
  return { x: xs, y: y.map((v, i) => finiteNumber(`${where}.${yName}[${i}]`, v, { min: 0 })) };
}

/** Linear interpolation in a table; 0 outside it. */
function lerp(t: Table, x: number): number {
  if (x < t.x[0]! || x > t.x[t.x.length - 1]!) return 0;
  let i = 1;
  while (t.x[i]! < x) i++;
  const f = (x - t.x[i - 1]!) / (t.x[i]! - t.x[i - 1]!);
  return t.y[i - 1]! + f * (t.y[i]! - t.y[i - 1]!);
}

function spectrumFn(s: Spectrum, where: string): { f: (x: number) => number; nodes: number[] } {
  if (s === null || typeof s !== 'object') throw new TypeError(`${where} must be an object, got ${show(s)}`);
  const kind = oneOf(`${where}.kind`, s.kind, ['blackbody', 'powerLaw', 'table'] as const);
  if (kind === 'blackbody') {
    knownKeys(`${where}.`, s, ['kind', 'temperature']);
    const temperature = finiteNumber(`${where}.temperature`, (s as { temperature: number }).temperature, { exclusiveMin: 0 });
    return { f: (x) => planck(x, temperature), nodes: [] };
  }
  if (kind === 'powerLaw') {
    knownKeys(`${where}.`, s, ['kind', 'index']);
    const index = finiteNumber(`${where}.index`, (s as { index: number }).index);
    return { f: (x) => x ** index, nodes: [] };
  }
  knownKeys(`${where}.`, s, ['kind', 'wavelengths', 'flux']);
  const t = table(where, (s as { wavelengths: unknown }).wavelengths, (s as { flux: unknown }).flux, 'flux');
  return { f: (x) => lerp(t, x), nodes: t.x };
}

function bandpassFn(b: Bandpass, where: string): { f: (x: number) => number; min: number; max: number; nodes: number[] } {
  if (b === null || typeof b !== 'object') throw new TypeError(`${where} must be an object, got ${show(b)}`);
  const kind = oneOf(`${where}.kind`, b.kind, ['topHat', 'table'] as const);
  if (kind === 'topHat') {
    knownKeys(`${where}.`, b, ['kind', 'min', 'max']);
    const { min, max } = b as { min: number; max: number };
    const lo = finiteNumber(`${where}.min`, min, { exclusiveMin: 0 });
    const hi = finiteNumber(`${where}.max`, max, { exclusiveMin: lo });
    return { f: (x) => (x >= lo && x <= hi ? 1 : 0), min: lo, max: hi, nodes: [] };
  }
  knownKeys(`${where}.`, b, ['kind', 'wavelengths', 'throughput']);
  const t = table(where, (b as { wavelengths: unknown }).wavelengths, (b as { throughput: unknown }).throughput, 'throughput');
  return { f: (x) => lerp(t, x), min: t.x[0]!, max: t.x[t.x.length - 1]!, nodes: t.x };
}

const GL16 = gaussLegendre(16);

function gauss(f: (x: number) => number, a: number, b: number): number {
  return (b - a) * GL16.x.reduce((s, x, k) => s + GL16.w[k]! * f(a + (b - a) * x), 0);
}

/** ∫ f over [a, b], split at `nodes` inside it and into 16 pieces. */
function integrate(f: (x: number) => number, a: number, b: number, nodes: number[]): number {
  const cuts = [a, ...Array.from({ length: 15 }, (_, k) => a + ((k + 1) * (b - a)) / 16), ...nodes.filter((x) => x > a && x < b), b].sort((p, q) => p - q);
  let sum = 0;
  for (let k = 0; k + 1 < cuts.length; k++) if (cuts[k + 1]! > cuts[k]!) sum += gauss(f, cuts[k]!, cuts[k + 1]!);
  return sum;
}

/**
 * The wavelengths (bin centres, metres) and photon weights (sum 1) of
 * `nlambda` equal bins across the bandpass, for calcPsf's `source`.
 */
export function sourceFromSpectrum(spectrum: Spectrum, bandpass: Bandpass, options: { nlambda: number }, path = ''): WeightedSource {
  const s = spectrumFn(spectrum, `${path}spectrum`);
  const b = bandpassFn(bandpass, `${path}bandpass`);
  const n = integer(path ? `${path}nlambda` : 'options.nlambda', options?.nlambda, 1, 10000);
  const width = (b.max - b.min) / n;
  const photons = (x: number) => s.f(x) * b.f(x) * x;
  const nodes = [...s.nodes, ...b.nodes];
  const raw = Array.from({ length: n }, (_, i) => integrate(photons, b.min + i * width, b.min + (i + 1) * width, nodes));
  const total = raw.reduce((a, v) => a + v, 0);
  if (!(total > 0) || !Number.isFinite(total)) throw new RangeError(`the spectrum collects no photons in the bandpass ${b.min}–${b.max} m`);
  return { wavelengths: raw.map((_, i) => b.min + (i + 0.5) * width), weights: raw.map((v) => v / total) };
}
