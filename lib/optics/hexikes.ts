/**
 * Hexikes: the Zernike polynomials orthonormalised over a regular hexagon
 * (vertices on ±x, circumradius 1), by Gram–Schmidt in Noll order, each with
 * RMS 1 over the hexagon. Each hexike is a fixed combination of Zernikes,
 * H_k = Σ_j C[k][j]·Z_j, computed once from exact inner products over the
 * hexagon, so it does not depend on how a pupil is sampled.
 */
import { zernike } from './functions';
import { gaussLegendre } from '../quadrature';

/** Hexike terms airy computes (radial orders up to 9). */
export const MAX_HEXIKE_TERMS = 55;

/**
 * Quadrature points (x, y, weight) over the unit hexagon, weights summing to
 * 1: six triangles from the centre, each by a collapsed (Duffy) tensor rule,
 * exact for the products of Zernikes up to radial order 10.
 */
function hexagonQuadrature(): { x: number; y: number; w: number }[] {
  const { x: g, w: gw } = gaussLegendre(12);
  const points: { x: number; y: number; w: number }[] = [];
  for (let k = 0; k < 6; k++) {
    const a = (k * Math.PI) / 3;
    const b = ((k + 1) * Math.PI) / 3;
    const [ax, ay, bx, by] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b)];
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < g.length; j++) {
        // (u, v) in the unit square → s·(1 − v)·A + s·v·B, Jacobian s (times the triangle's doubled area, normalised away).
        const s = g[i]!;
        const v = g[j]!;
        points.push({ x: s * ((1 - v) * ax + v * bx), y: s * ((1 - v) * ay + v * by), w: (gw[i]! * gw[j]! * s * 2) / 6 });
      }
    }
  }
  return points;
}

let cached: number[][] | undefined;

/** C with H_k = Σ_j C[k][j]·Z_j (k, j from 0 for Noll index 1), for MAX_HEXIKE_TERMS terms. */
export function hexikeCoefficients(): number[][] {
  if (cached) return cached;
  const n = MAX_HEXIKE_TERMS;
  const q = hexagonQuadrature();
  const z = q.map((p) => {
    const rho = Math.hypot(p.x, p.y);
    const th = Math.atan2(p.y, p.x);
    return Array.from({ length: n }, (_, j) => zernike(j + 1, rho, th));
  });
  // Modified Gram–Schmidt on coefficient vectors, with each vector's values at the quadrature points alongside.
  const valuesOf = (c: number[]) => z.map((zi) => c.reduce((t, cj, j) => t + cj * zi[j]!, 0));
  const inner = (a: number[], b: number[]) => q.reduce((s, p, i) => s + p.w * a[i]! * b[i]!, 0);
  const basis: number[][] = [];
  const basisValues: number[][] = [];
  for (let k = 0; k < n; k++) {
    let v: number[] = Array.from({ length: n }, (_, j) => (j === k ? 1 : 0));
    let values = valuesOf(v);
    basis.forEach((h, b) => {
      const c = inner(values, basisValues[b]!);
      v = v.map((x, j) => x - c * h[j]!);
      values = values.map((x, i) => x - c * basisValues[b]![i]!);
    });
    const norm = Math.sqrt(inner(values, values));
    basis.push(v.map((x) => x / norm));
    basisValues.push(values.map((x) => x / norm));
  }
  cached = basis;
  return basis;
}

/** The Zernike coefficients (Noll order, same units) of Σ_k a_k·H_k. */
export function hexikeToZernike(a: readonly number[]): number[] {
  if (a.length > MAX_HEXIKE_TERMS) throw new RangeError(`at most ${MAX_HEXIKE_TERMS} hexike terms, got ${a.length}`);
  const c = hexikeCoefficients();
  const out = new Array<number>(a.length).fill(0);
  a.forEach((ak, k) => {
    if (ak !== 0) for (let j = 0; j <= k; j++) out[j]! += ak * c[k]![j]!;
  });
  return out;
}
