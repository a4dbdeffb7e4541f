/**
 * Detector effects on a sampled PSF, as WebbPSF applies them: Gaussian
 * jitter (sigma in arcsec, so the same blur at any oversampling), charge
 * diffusion (a Gaussian, sigma in detector pixels) and inter-pixel
 * capacitance (a 3 × 3 kernel on detector pixels). Every kernel is
 * normalised and scatters each pixel's flux, folding what would leave the
 * image back in by mirror reflection, so the total flux is conserved to
 * rounding.
 */
import type { PsfImage } from '../io/psf';
import { finiteNumber, show } from '../validate';

/** The mirror image of index i in [0, n). */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/** A Gaussian of width `s` pixels sampled at integer offsets (to 6s, at least one), normalised to sum 1. */
function sampledGaussian(s: number): Float64Array {
  const reach = Math.max(1, Math.ceil(6 * s));
  const w = Float64Array.from({ length: 2 * reach + 1 }, (_, k) => Math.exp(-((k - reach) ** 2) / (2 * s * s)));
  const sum = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / sum);
}

const varianceOf = (w: Float64Array) => w.reduce((a, v, k) => a + v * (k - (w.length - 1) / 2) ** 2, 0);

/**
 * The sampled Gaussian whose variance is exactly sigma² pixels². A Gaussian
 * sampled at width sigma has a variance that falls short below about a
 * pixel (3 % at 0.6 px), so its width is solved for by bisection: the blur
 * then adds sigma² to any image's variance, at any oversampling.
 */
function gaussianKernel(sigma: number): Float64Array {
  let [lo, hi] = [1e-3 * sigma, sigma + 1];
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (varianceOf(sampledGaussian(mid)) < sigma * sigma) lo = mid;
    else hi = mid;
  }
  return sampledGaussian((lo + hi) / 2);
}

/** Scatters every pixel of rows (axis 1) or columns (axis 0) through the 1-D kernel. */
function scatter1d(data: Float64Array, [ny, nx]: [number, number], w: Float64Array, axis: 0 | 1): Float64Array {
  const out = new Float64Array(data.length);
  const reach = (w.length - 1) / 2;
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      const v = data[i * nx + j]!;
      if (v === 0) continue;
      for (let k = -reach; k <= reach; k++) {
        const t = axis === 1 ? i * nx + reflect(j + k, nx) : reflect(i + k, ny) * nx + j;
        out[t]! += w[k + reach]! * v;
      }
    }
  return out;
}

/** The image blurred by a Gaussian of `sigmaPixels` (no blur for 0). */
export function gaussianBlur(img: PsfImage, sigmaPixels: number): PsfImage {
  if (sigmaPixels === 0) return img;
  const w = gaussianKernel(sigmaPixels);
  return { ...img, data: scatter1d(scatter1d(img.data, img.shape, w, 1), img.shape, w, 0) };
}

/** Gaussian jitter of `sigma` arcsec (per axis), at the image's own pixel scale. */
export function jitter(img: PsfImage, sigma: number): PsfImage {
  return gaussianBlur(img, finiteNumber('jitter.sigma', sigma, { min: 0 }) / img.pixelscale);
}

/** A 3 × 3 IPC kernel: given, or from the coupling alpha to each of the four neighbours. */
export function ipcKernel(spec: { alpha?: number; kernel?: number[][] }): number[][] {
  if (spec.kernel !== undefined) {
    const k = spec.kernel;
    if (!Array.isArray(k) || k.length !== 3 || !k.every((row) => Array.isArray(row) && row.length === 3))
      throw new TypeError(`ipc.kernel must be a 3 × 3 array, got ${show(k)}`);
    const flat = k.flat().map((v, i) => finiteNumber(`ipc.kernel[${Math.floor(i / 3)}][${i % 3}]`, v, { min: 0 }));
    const sum = flat.reduce((s, v) => s + v, 0);
    if (!(sum > 0)) throw new RangeError('ipc.kernel must have a positive sum');
    return [0, 1, 2].map((r) => flat.slice(3 * r, 3 * r + 3).map((v) => v / sum));
  }
  const a = finiteNumber('ipc.alpha', spec.alpha, { min: 0, max: 0.25 });
  return [
    [0, a, 0],
    [a, 1 - 4 * a, a],
    [0, a, 0],
  ];
}

/** The image through a 3 × 3 kernel (kernel[1][1] the pixel itself), flux scattered and reflected at the edges. */
export function convolve3x3(img: PsfImage, kernel: number[][]): PsfImage {
  const [ny, nx] = img.shape;
  const out = new Float64Array(img.data.length);
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      const v = img.data[i * nx + j]!;
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) out[reflect(i + di, ny) * nx + reflect(j + dj, nx)]! += kernel[di + 1]![dj + 1]! * v;
    }
  return { ...img, data: out };
}
