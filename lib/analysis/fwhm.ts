/**
 * Full width at half maximum. airy's one definition: the diameter of the
 * circle around the centre on which the azimuthal mean of the intensity is
 * half the intensity at the centre. Two estimators of it:
 * - 'profile': the image interpolated by cubic B-splines, averaged around
 *   circles, the half level found by bisection;
 * - 'fit': an even polynomial I(r) = Σ a_k r^(2k) (k ≤ 4) fitted by least
 *   squares to the pixels of the core, solved for I(r) = a_0/2.
 * They agree on an Airy core to a fraction of a percent. (POPPY's
 * measure_fwhm fits a Gaussian to the pixels above 10 % of the peak, which
 * is the FWHM of that Gaussian, not of the core.)
 */
import type { PsfImage } from '../io/psf';
import { splineCoefficients } from '../optics/spline';
import { knownKeys, oneOf } from '../validate';
import { type CenterOption, centerOf, checkImage } from './image';

/** Options of {@link fwhm}. */
export interface FwhmOptions extends CenterOption {
  /** 'profile' (default) or 'fit'. */
  method?: 'profile' | 'fit';
}

/** The FWHM, arcsec. */
export function fwhm(image: PsfImage, options: FwhmOptions = {}): number {
  const img = checkImage(image);
  knownKeys('options.', options, ['center', 'method']);
  const method = oneOf('options.method', options.method ?? 'profile', ['profile', 'fit'] as const);
  const center = centerOf(img, options);
  const radius = method === 'profile' ? halfRadiusOfProfile(img, center) : halfRadiusOfFit(img, center);
  return 2 * radius * img.pixelscale;
}

/** The cubic B-spline through the image, at (y, x) pixels; 0 beyond the image. */
function splineOf(img: PsfImage): (y: number, x: number) => number {
  const [ny, nx] = img.shape;
  const c = splineCoefficients(img.data, ny, nx);
  const weights = (t: number) => [(1 - t) ** 3 / 6, (4 - 6 * t * t + 3 * t ** 3) / 6, (1 + 3 * t + 3 * t * t - 3 * t ** 3) / 6, t ** 3 / 6];
  return (y, x) => {
    const [i0, j0] = [Math.floor(y), Math.floor(x)];
    const [wy, wx] = [weights(y - i0), weights(x - j0)];
    let v = 0;
    for (let a = 0; a < 4; a++) {
      const i = i0 - 1 + a;
      if (i < 0 || i >= ny) continue;
      for (let b = 0; b < 4; b++) {
        const j = j0 - 1 + b;
        if (j >= 0 && j < nx) v += wy[a]! * wx[b]! * c[i * nx + j]!;
      }
    }
    return v;
  };
}

function halfRadiusOfProfile(img: PsfImage, [cy, cx]: [number, number]): number {
  const at = splineOf(img);
  const ring = (r: number) => {
    const n = Math.max(64, Math.ceil(8 * Math.PI * r));
    let s = 0;
    for (let k = 0; k < n; k++) s += at(cy + r * Math.sin((2 * Math.PI * k) / n), cx + r * Math.cos((2 * Math.PI * k) / n));
    return s / n;
  };
  const half = at(cy, cx) / 2;
  if (!(half > 0)) throw new RangeError('the image is not positive at the centre; give options.center on the PSF core');
  const limit = Math.max(img.shape[0], img.shape[1]);
  let lo = 0;
  let hi = 0.25;
  while (ring(hi) > half) {
    lo = hi;
    hi += 0.25;
    if (hi > limit) throw new RangeError('the intensity never falls to half of the centre within the image');
  }
  while (hi - lo > 1e-9) {
    const mid = (lo + hi) / 2;
    if (ring(mid) > half) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The core: pixels inside the radius where ring means (one pixel wide) first fall below 15 % of the brightest pixel. */
function coreRadius(img: PsfImage, [cy, cx]: [number, number]): number {
  const [ny, nx] = img.shape;
  const peak = img.data.reduce((m, v) => Math.max(m, v), -Infinity);
  for (let r = 1; r < Math.max(ny, nx); r++) {
    let [s, n] = [0, 0];
    for (let i = Math.max(0, Math.floor(cy - r)); i <= Math.min(ny - 1, Math.ceil(cy + r)); i++)
      for (let j = Math.max(0, Math.floor(cx - r)); j <= Math.min(nx - 1, Math.ceil(cx + r)); j++) {
        const d = Math.hypot(i - cy, j - cx);
        if (d >= r - 0.5 && d < r + 0.5) [s, n] = [s + img.data[i * nx + j]!, n + 1];
      }
    if (n > 0 && s / n < 0.15 * peak) return r;
  }
  throw new RangeError('no core: the intensity never falls below 15 % of the peak within the image');
}

function halfRadiusOfFit(img: PsfImage, center: [number, number]): number {
  const cut = coreRadius(img, center);
  const [ny, nx] = img.shape;
  const rows: number[][] = [];
  const values: number[] = [];
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      const u = (Math.hypot(i - center[0], j - center[1]) / cut) ** 2;
      if (u < 1) {
        rows.push([1, u, u * u, u ** 3, u ** 4]);
        values.push(img.data[i * nx + j]!);
      }
    }
  const terms = Math.min(5, rows.length - 1);
  if (terms < 2) throw new RangeError(`the core has ${rows.length} pixels; the fit needs at least 3 (sample the PSF more finely)`);
  const a = solveNormal(
    rows.map((r) => r.slice(0, terms)),
    values,
  );
  const model = (u: number) => a.reduce((s, ak, k) => s + ak * u ** k, 0);
  const half = a[0]! / 2;
  let [lo, hi] = [0, 1];
  if (!(model(hi) < half)) throw new RangeError('the fitted core does not fall to half of its centre value');
  while (hi - lo > 1e-12) {
    const mid = (lo + hi) / 2;
    if (model(mid) > half) lo = mid;
    else hi = mid;
  }
  return Math.sqrt((lo + hi) / 2) * cut;
}

/** Least squares: solves (AᵀA)a = Aᵀb by Gaussian elimination with partial pivoting. */
function solveNormal(rows: number[][], b: number[]): number[] {
  const m = rows[0]!.length;
  const n = Array.from({ length: m }, (_, p) => [
    ...Array.from({ length: m }, (_, q) => rows.reduce((s, r) => s + r[p]! * r[q]!, 0)),
    rows.reduce((s, r, k) => s + r[p]! * b[k]!, 0),
  ]);
  for (let c = 0; c < m; c++) {
    const pivot = n.slice(c).reduce((best, row, k) => (Math.abs(row[c]!) > Math.abs(n[best]![c]!) ? c + k : best), c);
    [n[c], n[pivot]] = [n[pivot]!, n[c]!];
    for (let r = c + 1; r < m; r++) {
      const f = n[r]![c]! / n[c]![c]!;
      for (let k = c; k <= m; k++) n[r]![k]! -= f * n[c]![k]!;
    }
  }
  const a = new Array<number>(m).fill(0);
  for (let r = m - 1; r >= 0; r--) a[r] = (n[r]![m]! - n[r]!.slice(r + 1, m).reduce((s, v, k) => s + v * a[r + 1 + k]!, 0)) / n[r]![r]!;
  return a;
}
