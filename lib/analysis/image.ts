/** The images analysis works on, their checks, and the flux inside circles around a centre. */
import { native } from '../binding';
import type { PsfImage } from '../io/psf';
import { finiteNumber, show } from '../validate';

/** Where a measurement is centred: `[y, x]` in pixels of the image (default its centre, ((n − 1)/2), as POPPY). */
export interface CenterOption {
  center?: [number, number];
}

/** The image, checked: a 2-D array of finite numbers with a positive pixel scale (arcsec per pixel). */
export function checkImage(img: PsfImage, where = 'image'): PsfImage {
  if (img === null || typeof img !== 'object') throw new TypeError(`${where} must be { data, shape, pixelscale }, got ${show(img)}`);
  const { data, shape } = img;
  if (!(data instanceof Float64Array)) throw new TypeError(`${where}.data must be a Float64Array, got ${show(data)}`);
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0))
    throw new TypeError(`${where}.shape must be [ny, nx], got ${show(shape)}`);
  if (data.length !== shape[0] * shape[1])
    throw new RangeError(`${where}.data has ${data.length} values, shape [${shape.join(', ')}] needs ${shape[0] * shape[1]}`);
  finiteNumber(`${where}.pixelscale`, img.pixelscale, { exclusiveMin: 0 });
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${where}.data[${bad}] is ${data[bad]}; analysis needs finite values`);
  return img;
}

/** The centre `[y, x]` in pixels: given (checked) or the image's middle. */
export function centerOf(img: PsfImage, opts: CenterOption, where = 'options.center'): [number, number] {
  if (opts.center === undefined) return [(img.shape[0] - 1) / 2, (img.shape[1] - 1) / 2];
  if (!Array.isArray(opts.center) || opts.center.length !== 2) throw new TypeError(`${where} must be [y, x] in pixels, got ${show(opts.center)}`);
  return [finiteNumber(`${where}[0]`, opts.center[0]), finiteNumber(`${where}[1]`, opts.center[1])];
}

/** Sum of the image's pixels. */
export function totalOf(img: PsfImage): number {
  let s = 0;
  for (const v of img.data) s += v;
  return s;
}

/** Per radius (pixels): the flux inside the circle (exact pixel overlaps) and its first moments about the centre. */
export function fluxInside(img: PsfImage, center: [number, number], radiiPx: ArrayLike<number>): { flux: number; mx: number; my: number }[] {
  const out = native().encircledFlux({ data: img.data, ny: img.shape[0], nx: img.shape[1], cy: center[0], cx: center[1], radii: Float64Array.from(radiiPx) });
  return Array.from({ length: radiiPx.length }, (_, k) => ({ flux: out[3 * k]!, mx: out[3 * k + 1]!, my: out[3 * k + 2]! }));
}

/** Distance from the centre to the image's farthest corner, pixels. */
export function reachOf(img: PsfImage, [cy, cx]: [number, number]): number {
  const [ny, nx] = img.shape;
  return Math.hypot(Math.max(cy + 0.5, ny - 0.5 - cy), Math.max(cx + 0.5, nx - 0.5 - cx));
}
