/**
 * Cubic B-spline interpolation coefficients of a 2-D table (Unser's
 * recursive prefilter, mirror-symmetric boundaries, as in Thévenaz et al.
 * 2000): the table's spline then passes through every sample and
 * interpolates smooth functions to O(h⁴), where a cubic convolution kernel
 * gives O(h³). The native rasteriser evaluates the spline from these.
 */

const POLE = Math.sqrt(3) - 2;

/** In place: the spline coefficients of n samples `stride` apart from `offset`. */
function prefilter(c: Float64Array, n: number, offset: number, stride: number): void {
  if (n < 2) return;
  const z = POLE;
  const at = (k: number) => offset + k * stride;
  for (let k = 0; k < n; k++) c[at(k)]! *= (1 - z) * (1 - 1 / z);
  // Causal initial value: Σ z^k c[k] over the terms that matter (|z|^k > 1e-17).
  const horizon = Math.min(n, Math.ceil(Math.log(1e-17) / Math.log(Math.abs(z))));
  let sum = 0;
  for (let k = 0, zk = 1; k < horizon; k++, zk *= z) sum += zk * c[at(k)]!;
  c[at(0)] = sum;
  for (let k = 1; k < n; k++) c[at(k)]! += z * c[at(k - 1)]!;
  c[at(n - 1)] = (z / (z * z - 1)) * (z * c[at(n - 2)]! + c[at(n - 1)]!);
  for (let k = n - 2; k >= 0; k--) c[at(k)] = z * (c[at(k + 1)]! - c[at(k)]!);
}

/** The cubic B-spline coefficients of an ny × nx row-major table. */
export function splineCoefficients(data: Float64Array, ny: number, nx: number): Float64Array {
  const c = Float64Array.from(data);
  for (let i = 0; i < ny; i++) prefilter(c, nx, i * nx, 1);
  for (let j = 0; j < nx; j++) prefilter(c, ny, j, nx);
  return c;
}
