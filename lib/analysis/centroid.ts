/**
 * Centroids. 'com': the centre of mass of the whole image. 'iterative': the
 * centre of mass inside a circle (radius in pixels) moved onto its own
 * centroid until it stops, pixels weighted by their exact overlap with the
 * circle, so a symmetric PSF's centre is a fixed point however the circle
 * cuts the pixels. Start: the brightest pixel.
 */
import type { PsfImage } from '../io/psf';
import { finiteNumber, knownKeys, oneOf } from '../validate';
import { checkImage, fluxInside, totalOf } from './image';

/** Options of {@link centroid}. */
export interface CentroidOptions {
  /** 'iterative' (default) or 'com'. */
  method?: 'com' | 'iterative';
  /** Radius of the circle for 'iterative', pixels (default 10). */
  radius?: number;
}

/** A centroid: pixel coordinates, and the offset from the image centre in arcsec. */
export interface Centroid {
  y: number;
  x: number;
  /** (x − (nx − 1)/2)·pixelscale and (y − (ny − 1)/2)·pixelscale, arcsec. */
  offsetArcsec: [number, number];
}

/** The centroid of the image. */
export function centroid(image: PsfImage, options: CentroidOptions = {}): Centroid {
  const img = checkImage(image);
  knownKeys('options.', options, ['method', 'radius']);
  const method = oneOf('options.method', options.method ?? 'iterative', ['com', 'iterative'] as const);
  const [ny, nx] = img.shape;
  const [y, x] =
    method === 'com'
      ? centreOfMass(img)
      : iterate(img, options.radius === undefined ? 10 : finiteNumber('options.radius', options.radius, { exclusiveMin: 0 }));
  return { y, x, offsetArcsec: [(y - (ny - 1) / 2) * img.pixelscale, (x - (nx - 1) / 2) * img.pixelscale] };
}

function centreOfMass(img: PsfImage): [number, number] {
  const [, nx] = img.shape;
  const total = totalOf(img);
  if (!(total > 0)) throw new RangeError(`the image's flux is ${total}; a centroid needs a positive total`);
  let [sy, sx] = [0, 0];
  img.data.forEach((v, k) => {
    sy += v * Math.floor(k / nx);
    sx += v * (k % nx);
  });
  return [sy / total, sx / total];
}

function iterate(img: PsfImage, radius: number): [number, number] {
  const [, nx] = img.shape;
  let best = 0;
  img.data.forEach((v, k) => {
    if (v > img.data[best]!) best = k;
  });
  let [y, x] = [Math.floor(best / nx), best % nx];
  for (let step = 0; step < 200; step++) {
    const { flux, mx, my } = fluxInside(img, [y, x], [radius])[0]!;
    if (!(flux > 0)) throw new RangeError('no positive flux inside the centroid circle');
    const [dy, dx] = [my / flux, mx / flux];
    [y, x] = [y + dy, x + dx];
    if (Math.hypot(dy, dx) < 1e-10) return [y, x];
  }
  throw new RangeError('the centroid did not settle in 200 steps; give a larger options.radius');
}
