/**
 * Special functions the optics are defined by, in TypeScript for analysis and
 * tests (the rasteriser has its own copies in native/raster.cc): Noll-ordered
 * Zernike polynomials and the Bessel functions J0 and J1.
 */

/** Noll index j (from 1) → radial order n and azimuthal frequency m (signed: sine terms negative). */
export function nollToNM(j: number): [number, number] {
  let n = 0;
  while (((n + 1) * (n + 2)) / 2 < j) n++;
  const k = j - (n * (n + 1)) / 2 - 1;
  const m = n % 2 === 0 ? 2 * Math.floor((k + 1) / 2) : 2 * Math.floor(k / 2) + 1;
  return [n, m !== 0 && j % 2 === 1 ? -m : m];
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Noll-normalised Zernike polynomial j at (ρ, θ), ρ ≤ 1. */
export function zernike(j: number, rho: number, theta: number): number {
  const [n, ms] = nollToNM(j);
  const m = Math.abs(ms);
  let R = 0;
  for (let s = 0; s <= (n - m) / 2; s++) {
    R += (((s % 2 ? -1 : 1) * factorial(n - s)) / (factorial(s) * factorial((n + m) / 2 - s) * factorial((n - m) / 2 - s))) * rho ** (n - 2 * s);
  }
  if (m === 0) return Math.sqrt(n + 1) * R;
  const norm = Math.sqrt(2 * (n + 1));
  return ms > 0 ? norm * R * Math.cos(m * theta) : norm * R * Math.sin(m * theta);
}

/** Bessel function J1 (series for small x, asymptotic form for large x; |error| < 1e-8). */
export function besselJ1(x: number): number {
  const ax = Math.abs(x);
  if (ax < 12) {
    let term = x / 2;
    let sum = term;
    const q = -(x * x) / 4;
    for (let k = 1; k < 60; k++) {
      term *= q / (k * (k + 1));
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return sum;
  }
  return besselAsymptotic(1, x);
}

/** Bessel function J0. */
export function besselJ0(x: number): number {
  const ax = Math.abs(x);
  if (ax < 12) {
    let term = 1;
    let sum = 1;
    const q = -(x * x) / 4;
    for (let k = 1; k < 60; k++) {
      term *= q / (k * k);
      sum += term;
      if (Math.abs(term) < 1e-17) break;
    }
    return sum;
  }
  return besselAsymptotic(0, x);
}

function besselAsymptotic(nu: number, x: number): number {
  const ax = Math.abs(x);
  const mu = 4 * nu * nu;
  let p = 1;
  let q = 0;
  let term = 1;
  for (let k = 1; k < 20; k++) {
    term *= (mu - (2 * k - 1) ** 2) / (k * 8 * ax);
    if (k % 2 === 1) q += (k % 4 === 1 ? 1 : -1) * term;
    else p += (k % 4 === 2 ? -1 : 1) * term;
  }
  const w = ax - (nu / 2 + 0.25) * Math.PI;
  const v = Math.sqrt(2 / (Math.PI * ax)) * (p * Math.cos(w) - q * Math.sin(w));
  return nu === 1 && x < 0 ? -v : v;
}
