// Small array utilities shared by the tests.

/** Deterministic pseudo-random numbers in [-1, 1) (LCG), so failures reproduce. */
export function rand(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** Random interleaved complex array of ny·nx values. */
export function randomComplex(ny: number, nx: number, seed = 1): Float64Array {
  const r = rand(seed);
  const a = new Float64Array(2 * ny * nx);
  for (let i = 0; i < a.length; i++) a[i] = r();
  return a;
}

/** Real circular pupil (1 inside radius n/2 of the array centre, 0 outside). */
export function circularPupil(n: number): Float64Array {
  const a = new Float64Array(n * n);
  const c = (n - 1) / 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) a[y * n + x] = (x - c) ** 2 + (y - c) ** 2 <= (n / 2) ** 2 ? 1 : 0;
  }
  return a;
}

/** Real array -> interleaved complex with zero imaginary part. */
export function toComplex(re: Float64Array): Float64Array {
  const a = new Float64Array(2 * re.length);
  for (let i = 0; i < re.length; i++) a[2 * i] = re[i]!;
  return a;
}

/** |z|² of an interleaved complex array. */
export function intensity(c: Float64Array | Float32Array): Float64Array {
  const out = new Float64Array(c.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = c[2 * i]! ** 2 + c[2 * i + 1]! ** 2;
  return out;
}

/** Σ|z|². */
export function energy(c: Float64Array | Float32Array): number {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c[i]! ** 2;
  return s;
}

/** Intensity-weighted centroid [y, x] in pixels. */
export function centroid(img: Float64Array, ny: number, nx: number): [number, number] {
  let s = 0;
  let sy = 0;
  let sx = 0;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const v = img[y * nx + x]!;
      s += v;
      sy += v * y;
      sx += v * x;
    }
  }
  return [sy / s, sx / s];
}

/** max |a - b| / max |b|. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return e / m;
}

/** numpy.fft.fftshift for an interleaved complex ny x nx array (ifftshift when inverse). */
export function fftshift(c: Float64Array, ny: number, nx: number, inverse = false): Float64Array {
  const out = new Float64Array(c.length);
  const sy = inverse ? Math.ceil(ny / 2) : Math.floor(ny / 2);
  const sx = inverse ? Math.ceil(nx / 2) : Math.floor(nx / 2);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const o = ((y + sy) % ny) * nx + ((x + sx) % nx);
      out[2 * o] = c[2 * (y * nx + x)]!;
      out[2 * o + 1] = c[2 * (y * nx + x) + 1]!;
    }
  }
  return out;
}

/** Largest |a[i] − b[i]|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Largest value (0 for an all-negative or empty array). */
export function peakOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, a[i]!);
  return m;
}
