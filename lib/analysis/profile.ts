/**
 * Radial profiles and encircled energy. Encircled energy counts each pixel
 * by its exact overlap with the circle (its flux spread uniformly over the
 * pixel), so EE(r) is continuous and monotone in r, with no binning.
 */
import type { PsfImage } from '../io/psf';
import { finiteNumber, knownKeys, show } from '../validate';
import { type CenterOption, centerOf, checkImage, fluxInside, reachOf, totalOf } from './image';

/** Options of the encircled-energy functions. */
export interface EeOptions extends CenterOption {
  /** Flux that EE is a fraction of (default: the image's sum). Give 1 for a PSF normalised to 1 at the entrance pupil. */
  total?: number;
}

/** A radial profile: one entry per ring of width binWidth. */
export interface RadialProfile {
  /** Ring centres, arcsec. */
  radius: Float64Array;
  /** Mean and standard deviation of the pixels whose centres fall in the ring. */
  mean: Float64Array;
  std: Float64Array;
  /** Pixels in the ring. */
  count: Float64Array;
  /** Encircled energy at each ring's outer edge (`radius + binWidth/2`), a fraction of the total. */
  ee: Float64Array;
}

function totalFor(img: PsfImage, opts: EeOptions): number {
  const total = opts.total === undefined ? totalOf(img) : finiteNumber('options.total', opts.total, { exclusiveMin: 0 });
  if (!(total > 0)) throw new RangeError(`the image's flux is ${total}; encircled energy needs a positive total`);
  return total;
}

/** Mean, spread and encircled energy in rings around the centre; binWidth in arcsec (default one pixel). */
export function radialProfile(image: PsfImage, options: EeOptions & { binWidth?: number } = {}): RadialProfile {
  const img = checkImage(image);
  knownKeys('options.', options, ['center', 'total', 'binWidth']);
  const [cy, cx] = centerOf(img, options);
  const width = options.binWidth === undefined ? 1 : finiteNumber('options.binWidth', options.binWidth, { exclusiveMin: 0 }) / img.pixelscale;
  const bins = Math.ceil(reachOf(img, [cy, cx]) / width);
  if (bins > 1e6) throw new RangeError(`options.binWidth ${show(options.binWidth)} makes ${bins} rings; use a wider bin`);
  const [sum, sum2, count] = [new Float64Array(bins), new Float64Array(bins), new Float64Array(bins)];
  const [ny, nx] = img.shape;
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      const k = Math.min(bins - 1, Math.floor(Math.hypot(i - cy, j - cx) / width + 0.5));
      const v = img.data[i * nx + j]!;
      sum[k]! += v;
      sum2[k]! += v * v;
      count[k]!++;
    }
  const mean = sum.map((s, k) => (count[k]! > 0 ? s / count[k]! : 0));
  const std = sum2.map((s, k) => (count[k]! > 0 ? Math.sqrt(Math.max(0, s / count[k]! - mean[k]! ** 2)) : 0));
  const radius = Float64Array.from({ length: bins }, (_, k) => k * width * img.pixelscale);
  const total = totalFor(img, options);
  const edges = Array.from({ length: bins }, (_, k) => (k + 0.5) * width);
  const ee = Float64Array.from(fluxInside(img, [cy, cx], edges), (f) => f.flux / total);
  return { radius, mean, std, count, ee };
}

/** The fraction of the total flux inside each radius (arcsec). */
export function encircledEnergy(image: PsfImage, radii: number | readonly number[], options: EeOptions = {}): Float64Array {
  const img = checkImage(image);
  knownKeys('options.', options, ['center', 'total']);
  const list = typeof radii === 'number' ? [radii] : radii;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`radii must be a radius or a non-empty array of radii (arcsec), got ${show(radii)}`);
  const px = list.map((r, i) => finiteNumber(`radii[${i}]`, r, { min: 0 }) / img.pixelscale);
  const total = totalFor(img, options);
  return Float64Array.from(fluxInside(img, centerOf(img, options), px), (f) => f.flux / total);
}

/** The radius (arcsec) inside which `fraction` of the total flux falls (bisection on the exact, monotone EE(r)). */
export function radiusAtEe(image: PsfImage, fraction: number, options: EeOptions = {}): number {
  const img = checkImage(image);
  knownKeys('options.', options, ['center', 'total']);
  const f = finiteNumber('fraction', fraction, { exclusiveMin: 0 });
  const center = centerOf(img, options);
  const total = totalFor(img, options);
  const ee = (r: number) => fluxInside(img, center, [r])[0]!.flux / total;
  let hi = reachOf(img, center);
  const most = ee(hi);
  if (f > most) throw new RangeError(`fraction ${f} is more than the image holds (${most.toPrecision(6)} of the total)`);
  let lo = 0;
  while (hi - lo > 1e-9 * Math.max(1, hi)) {
    const mid = (lo + hi) / 2;
    if (ee(mid) >= f) hi = mid;
    else lo = mid;
  }
  return hi * img.pixelscale;
}
