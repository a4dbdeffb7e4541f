/** Gauss–Legendre quadrature, shared by the hexike inner products, spectral bins and pixel integration. */

/**
 * Gauss–Legendre nodes and weights on [0, 1] (weights sum to 1): exact for
 * polynomials of degree ≤ 2n − 1.
 */
export function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let t = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100 && n > 1; it++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    if (n === 1) t = 0;
    x.push((1 - t) / 2);
    w.push(n === 1 ? 1 : 1 / ((1 - t * t) * dp * dp));
  }
  return { x, w };
}
