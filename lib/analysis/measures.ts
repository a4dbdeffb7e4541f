/** Scalar measures of a PSF: Strehl ratio, sharpness, coronagraph contrast, and differences between PSFs. */
import type { OpticalSystem } from '../engine/system';
import type { PsfImage } from '../io/psf';
import { entrancePupil } from '../io/pupil';
import { finiteNumber, knownKeys } from '../validate';
import { type CenterOption, checkImage } from './image';
import { radialProfile } from './profile';

const peakOf = (img: PsfImage) => img.data.reduce((m, v) => Math.max(m, v), -Infinity);

/** Peak of `image` over the peak of `reference`: the aberration-free PSF at the same sampling and normalisation. */
export function strehl(image: PsfImage, reference: PsfImage): number {
  const [a, b] = [checkImage(image), checkImage(reference, 'reference')];
  if (Math.abs(a.pixelscale / b.pixelscale - 1) > 1e-9)
    throw new RangeError(`image and reference differ in pixel scale (${a.pixelscale} vs ${b.pixelscale} arcsec)`);
  const ref = peakOf(b);
  if (!(ref > 0)) throw new RangeError('the reference has no positive peak');
  return peakOf(a) / ref;
}

/**
 * The Maréchal estimate exp(−(2πσ/λ)²) of the Strehl ratio, σ the RMS of the
 * entrance pupil's OPD (piston removed) weighted by intensity, metres.
 */
export function marechalStrehl(osys: OpticalSystem, wavelength: number): { strehl: number; rmsOpd: number } {
  const lambda = finiteNumber('wavelength', wavelength, { exclusiveMin: 0 });
  const { amplitude, opd } = entrancePupil(osys);
  let [w, m] = [0, 0];
  amplitude.forEach((a, k) => {
    w += a * a;
    m += a * a * opd[k]!;
  });
  const mean = m / w;
  let v = 0;
  amplitude.forEach((a, k) => {
    v += a * a * (opd[k]! - mean) ** 2;
  });
  const rmsOpd = Math.sqrt(v / w) * 1e-9;
  return { strehl: Math.exp(-(((2 * Math.PI * rmsOpd) / lambda) ** 2)), rmsOpd };
}

/** Σ p², p the image normalised to sum 1: 1 for a single bright pixel, 1/N for a flat image of N pixels. */
export function sharpness(image: PsfImage): number {
  const img = checkImage(image);
  const total = img.data.reduce((s, v) => s + v, 0);
  if (!(total > 0)) throw new RangeError(`the image's flux is ${total}; sharpness needs a positive total`);
  return img.data.reduce((s, v) => s + (v / total) ** 2, 0);
}

/** A contrast curve: azimuthal mean and standard deviation in rings, over the unocculted peak. */
export interface ContrastCurve {
  /** Ring centres, arcsec. */
  radius: Float64Array;
  mean: Float64Array;
  std: Float64Array;
  /** Pixels in each ring (0: the ring is empty, its mean and std are 0). */
  count: Float64Array;
}

/** The coronagraphic image's rings (binWidth arcsec, default one pixel) divided by the off-axis (unocculted) peak. */
export function contrastCurve(image: PsfImage, options: CenterOption & { offAxisPeak: number; binWidth?: number }): ContrastCurve {
  knownKeys('options.', options ?? {}, ['center', 'offAxisPeak', 'binWidth']);
  const peak = finiteNumber('options.offAxisPeak', options?.offAxisPeak, { exclusiveMin: 0 });
  const p = radialProfile(image, { center: options.center, binWidth: options.binWidth, total: 1 });
  return { radius: p.radius, mean: p.mean.map((v) => v / peak), std: p.std.map((v) => v / peak), count: p.count };
}

/** `image − other` pixel by pixel, with its largest absolute value and RMS. */
export function difference(image: PsfImage, other: PsfImage): { data: Float64Array; maxAbs: number; rms: number } {
  const [a, b] = [checkImage(image), checkImage(other, 'other')];
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1])
    throw new RangeError(`the images differ in shape ([${a.shape.join(', ')}] vs [${b.shape.join(', ')}])`);
  if (Math.abs(a.pixelscale / b.pixelscale - 1) > 1e-9) throw new RangeError(`the images differ in pixel scale (${a.pixelscale} vs ${b.pixelscale} arcsec)`);
  const data = a.data.map((v, k) => v - b.data[k]!);
  const maxAbs = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { data, maxAbs, rms: Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length) };
}
