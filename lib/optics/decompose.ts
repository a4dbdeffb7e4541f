/**
 * OPD maps in and out of polynomial bases: `composeOpd` draws Σ c_j·B_j on a
 * grid, `decomposeOpd` fits the coefficients of an OPD by least squares over
 * an aperture (or, with `gramSchmidt`, the coefficients of the basis
 * orthonormalised over that aperture). Bases: Noll-ordered Zernikes over the
 * circle of `radius`, or hexikes over the hexagon of circumradius `radius`.
 */
import { finiteNumber, integer, knownKeys, oneOf, show } from '../validate';
import { zernike } from './functions';
import { hexikeCoefficients, MAX_HEXIKE_TERMS } from './hexikes';

/** Where a basis sits on an OPD array. */
export interface BasisGrid {
  /** `[ny, nx]` of the OPD array. */
  shape: [number, number];
  /** 'zernike' (default) or 'hexike'. */
  basis?: 'zernike' | 'hexike';
  /** Radius of the circle (circumradius of the hexagon), pixels. Default: half the smaller side. */
  radius?: number;
  /** Centre `[y, x]`, pixels. Default: the array's centre, ((n − 1)/2). */
  center?: [number, number];
}

/** Options of {@link decomposeOpd}. */
export interface DecomposeOptions extends BasisGrid {
  /** Number of terms to fit (Noll order from piston). */
  nterms: number;
  /** Weights of the pixels (an aperture: 0 outside). Default: 1 inside the basis's domain. */
  aperture?: Float64Array;
  /** Fit the basis orthonormalised over the aperture (Gram–Schmidt) and return its coefficients. Default false. */
  gramSchmidt?: boolean;
}

const MAX_TERMS = 231; // radial order 20

/** The basis's values at every pixel: values[k][i] for term k (from piston) and pixel i, 0 outside its domain. */
function basisValues(g: BasisGrid, nterms: number, where: string): Float64Array[] {
  knownKeys(`${where}.`, g, ['shape', 'basis', 'radius', 'center', 'nterms', 'aperture', 'gramSchmidt']);
  if (!Array.isArray(g.shape) || g.shape.length !== 2) throw new TypeError(`${where}.shape must be [ny, nx], got ${show(g.shape)}`);
  const ny = integer(`${where}.shape[0]`, g.shape[0], 1, 16384);
  const nx = integer(`${where}.shape[1]`, g.shape[1], 1, 16384);
  const basis = oneOf(`${where}.basis`, g.basis ?? 'zernike', ['zernike', 'hexike'] as const);
  const radius = g.radius === undefined ? Math.min(ny, nx) / 2 : finiteNumber(`${where}.radius`, g.radius, { exclusiveMin: 0 });
  const [cy, cx] = g.center ?? [(ny - 1) / 2, (nx - 1) / 2];
  finiteNumber(`${where}.center[0]`, cy);
  finiteNumber(`${where}.center[1]`, cx);
  const max = basis === 'hexike' ? MAX_HEXIKE_TERMS : MAX_TERMS;
  integer(`${where}.nterms`, nterms, 1, max);
  const zern = Array.from({ length: nterms }, () => new Float64Array(ny * nx));
  const sqrt3 = Math.sqrt(3);
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nx; j++) {
      const y = (i - cy) / radius;
      const x = (j - cx) / radius;
      const rho = Math.hypot(x, y);
      const inside = basis === 'zernike' ? rho <= 1 : Math.abs(y) <= sqrt3 / 2 && sqrt3 * Math.abs(x) + Math.abs(y) <= sqrt3;
      if (!inside) continue;
      const th = Math.atan2(y, x);
      for (let k = 0; k < nterms; k++) zern[k]![i * nx + j] = zernike(k + 1, rho, th);
    }
  }
  if (basis === 'zernike') return zern;
  // Hexike k = Σ_{j ≤ k} C[k][j]·Z_j.
  const coefficients = hexikeCoefficients();
  return Array.from({ length: nterms }, (_, k) => {
    const h = new Float64Array(ny * nx);
    coefficients[k]!.slice(0, k + 1).forEach((cj, j) => {
      if (cj !== 0) for (let i = 0; i < h.length; i++) h[i]! += cj * zern[j]![i]!;
    });
    return h;
  });
}

/** Σ c_j·B_j on the grid (0 outside the basis's domain), in the coefficients' units. */
export function composeOpd(coefficients: readonly number[], grid: BasisGrid): Float64Array {
  if (!Array.isArray(coefficients) || coefficients.length === 0)
    throw new TypeError(`coefficients must be a non-empty array of numbers, got ${show(coefficients)}`);
  for (const [i, c] of coefficients.entries()) finiteNumber(`coefficients[${i}]`, c);
  const values = basisValues(grid, coefficients.length, 'grid');
  const out = new Float64Array(values[0]!.length);
  values.forEach((v, k) => {
    const c = coefficients[k]!;
    if (c !== 0) for (let i = 0; i < out.length; i++) out[i]! += c * v[i]!;
  });
  return out;
}

/**
 * The coefficients of `opd` in a basis, by weighted least squares over the
 * aperture: exact (to rounding) for an OPD made of the first `nterms` terms,
 * whatever the aperture. With `gramSchmidt`, the basis is first
 * orthonormalised over the aperture (each term of weighted RMS 1) and the
 * returned coefficients are in that basis (their root sum of squares is the
 * OPD's RMS over the aperture, when the fit is exact).
 */
export function decomposeOpd(opd: Float64Array, options: DecomposeOptions): Float64Array {
  if (!(opd instanceof Float64Array)) throw new TypeError(`opd must be a Float64Array, got ${show(opd)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${show(options)}`);
  const values = basisValues(options, options.nterms, 'options');
  const n = values[0]!.length;
  if (opd.length !== n) throw new RangeError(`opd has ${opd.length} elements but options.shape [${options.shape.join(', ')}] needs ${n}`);
  const w =
    options.aperture ??
    (() => {
      const inside = new Float64Array(n);
      for (let i = 0; i < n; i++) inside[i] = values[0]![i] !== 0 ? 1 : 0;
      return inside;
    })();
  if (!(w instanceof Float64Array) || w.length !== n) throw new RangeError(`options.aperture must be a Float64Array of ${n} elements`);
  for (let i = 0; i < n; i++) {
    if (w[i]! !== 0 && !Number.isFinite(opd[i]!)) throw new RangeError(`opd[${i}] is ${opd[i]} inside the aperture`);
  }
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (w[i]!) s += w[i]! * a[i]! * b[i]!;
    return s;
  };
  return options.gramSchmidt ? projectOrthonormalised(values, opd, dot) : leastSquares(values, opd, dot);
}

/** Solves the normal equations (BᵀWB)c = BᵀW·opd by Cholesky. */
function leastSquares(values: Float64Array[], opd: Float64Array, dot: (a: Float64Array, b: Float64Array) => number): Float64Array {
  const m = values.length;
  const a = values.map((vi) => values.map((vj) => dot(vi, vj)));
  const b = values.map((v) => dot(v, opd));
  const l = a.map(() => new Array<number>(m).fill(0));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 1e-12 * a[i]![i]!)) throw new RangeError(`the aperture does not determine term ${i + 1} (the basis is degenerate over it); fit fewer terms`);
        l[i]![i] = Math.sqrt(s);
      } else l[i]![j] = s / l[j]![j]!;
    }
  }
  const y = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) y[i] = (b[i]! - l[i]!.slice(0, i).reduce((s, v, k) => s + v * y[k]!, 0)) / l[i]![i]!;
  const c = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k]![i]! * c[k]!;
    c[i] = s / l[i]![i]!;
  }
  return c;
}

/** Coefficients of `opd` in the basis orthonormalised (weighted mean of squares 1) over the aperture. */
function projectOrthonormalised(values: Float64Array[], opd: Float64Array, dot: (a: Float64Array, b: Float64Array) => number): Float64Array {
  const total = dot(new Float64Array(opd.length).fill(1), new Float64Array(opd.length).fill(1));
  const ortho: Float64Array[] = [];
  const c = new Float64Array(values.length);
  values.forEach((v, k) => {
    const u = Float64Array.from(v);
    for (const o of ortho) {
      const p = dot(u, o) / total;
      for (let i = 0; i < u.length; i++) u[i]! -= p * o[i]!;
    }
    const norm = Math.sqrt(dot(u, u) / total);
    if (!(norm > 1e-12)) throw new RangeError(`the aperture does not determine term ${k + 1} (the basis is degenerate over it); fit fewer terms`);
    for (let i = 0; i < u.length; i++) u[i]! /= norm;
    ortho.push(u);
    c[k] = dot(opd, u) / total;
  });
  return c;
}
