/**
 * Random phase screens, the same bits on every run, platform and parallel
 * mode: a seeded xoshiro128** generator (32-bit integer arithmetic), normal
 * deviates by Box–Muller, and a radix-2 FFT in TypeScript (JavaScript's
 * Math functions are V8's own fdlibm ports, the same everywhere), run once
 * when the optic is made. A screen is an N × N OPD map over a square of
 * side L; power spectra are given in cycles per metre.
 */
import { addLowFrequencies, LOW_CELLS } from './subharmonics';

/** A seeded xoshiro128** stream of uniform deviates in (0, 1). */
export function uniforms(seed: number): () => number {
  // splitmix32 spreads the seed over the four words of state.
  let x = seed >>> 0;
  const next32 = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [next32(), next32(), next32(), next32()];
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
    return (result + 0.5) / 4294967296;
  };
}

/** A seeded stream of standard normal deviates (Box–Muller). */
export function normals(seed: number): () => number {
  const u = uniforms(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(u()));
    const a = 2 * Math.PI * u();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/** In-place radix-2 FFT of (re, im) along `n` points spaced `stride` from `offset`; sign +1: e^{+2πi…}. */
function fft1(re: Float64Array, im: Float64Array, n: number, offset: number, stride: number, sign: number, tw: { c: Float64Array; s: Float64Array }) {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const a = offset + i * stride;
      const b = offset + j * stride;
      [re[a], re[b]] = [re[b]!, re[a]!];
      [im[a], im[b]] = [im[b]!, im[a]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = tw.c[k * step]!;
        const wi = sign * tw.s[k * step]!;
        const a = offset + (i + k) * stride;
        const b = offset + (i + k + len / 2) * stride;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a]! += xr;
        im[a]! += xi;
      }
    }
  }
}

/** Σ_k c_k·e^{+2πi k·x/N} over an N × N array (no scaling), in place. */
function inverseSum2d(re: Float64Array, im: Float64Array, n: number): void {
  const tw = { c: new Float64Array(n / 2), s: new Float64Array(n / 2) };
  for (let k = 0; k < n / 2; k++) {
    tw.c[k] = Math.cos((2 * Math.PI * k) / n);
    tw.s[k] = Math.sin((2 * Math.PI * k) / n);
  }
  for (let r = 0; r < n; r++) fft1(re, im, n, r * n, 1, 1, tw);
  for (let c = 0; c < n; c++) fft1(re, im, n, c, n, 1, tw);
}

/** What a screen is drawn from. */
export interface ScreenSpec {
  /** Samples a side (a power of two). */
  n: number;
  /** Side of the square, metres. */
  side: number;
  /** Two-sided power spectrum of the OPD, m² per (cycle/m)², at spatial frequency f (cycles/m). */
  psd: (f: number) => number;
  seed: number;
  /**
   * Draw the low frequencies as waves at frequencies drawn within their cells
   * (see subharmonics.ts), so the screen is not periodic over the square and
   * holds power below 1/side. Default false: a periodic FFT screen.
   */
  subharmonics?: boolean;
}

/** Cells within this many of the origin carry the PSD averaged over the cell (the centre value is 0.6/k² low). */
const MEAN_CELLS = 32;

/** The PSD averaged over cell (kx, ky) of side df (4 × 4 midpoints). */
function cellMean(psd: (f: number) => number, kx: number, ky: number, df: number): number {
  let sum = 0;
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) sum += psd(Math.hypot(kx - 0.375 + a / 4, ky - 0.375 + b / 4) * df);
  return sum / 16;
}

/**
 * A random screen with the given spectrum (FFT synthesis: complex normal
 * coefficients scaled by √(PSD)·Δf, real part), N × N, row-major, row 0 at −y.
 */
export function randomScreen(spec: ScreenSpec): Float64Array {
  const { n, side, psd } = spec;
  const g = normals(spec.seed);
  const df = 1 / side;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const low = spec.subharmonics ? LOW_CELLS : 0;
  for (let i = 0; i < n; i++) {
    const ky = i < n / 2 ? i : i - n;
    for (let j = 0; j < n; j++) {
      const kx = j < n / 2 ? j : j - n;
      const reach = Math.max(Math.abs(kx), Math.abs(ky));
      const a = reach <= low ? 0 : Math.sqrt(spec.subharmonics && reach <= MEAN_CELLS ? cellMean(psd, kx, ky, df) : psd(Math.hypot(kx, ky) * df)) * df;
      re[i * n + j] = g() * a;
      im[i * n + j] = g() * a;
    }
  }
  inverseSum2d(re, im, n);
  if (spec.subharmonics) addLowFrequencies(re, n, side, psd, g, uniforms(spec.seed ^ 0x5bd1e995));
  return re;
}

/** |Σ x·e^{−2πi k·x/N}|² of a real N × N array (its periodogram, unnormalised), row-major. */
export function powerSpectrum(x: Float64Array, n: number): Float64Array {
  const re = Float64Array.from(x);
  const im = new Float64Array(n * n);
  inverseSum2d(re, im, n); // for a real input the sign of the exponent does not change |·|²
  return re.map((r, k) => r * r + im[k]! * im[k]!);
}
