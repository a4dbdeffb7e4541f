/**
 * The two numerical kernels everything in airy runs on: 2D FFTs (FFTW) and
 * matrix Fourier transforms (two GEMMs on BLAS). Complex arrays are
 * interleaved (re, im) and row-major with shape `[ny, nx]`; Float32Array
 * selects single precision (cgemm, fftwf), Float64Array double.
 */
import { native, type FloatArray, type NativeMftOptions, type NativeTransform } from '../binding';
import { config, onConfigChange, resolve, type FftwPlanner } from '../config';
import { rethrowNative } from '../errors';
import { afterTransform, beforeTransform } from './fftw';
import { setBlasThreads } from './blas';
import { bool, finiteNumber, integer, knownKeys, oneOf, pair, positiveNumber, shape2, show } from '../validate';

/** A complex 2D array: `data` holds ny·nx interleaved (re, im) pairs. */
export interface Complex2D<T extends FloatArray = FloatArray> {
  data: T;
  /** `[ny, nx]` in pixels. */
  shape: [number, number];
}

/** An input plane: complex by default, or real-valued with `real: true` (ny·nx values). */
export interface Plane<T extends FloatArray = FloatArray> {
  data: T;
  shape: readonly [number, number] | [number, number];
  /** The data are real values, one per pixel (enables the cheaper real-input MFT path). */
  real?: boolean;
}

/** Options of {@link fft2}. */
export interface Fft2Options {
  /** Inverse transform (exp(+2πi…)); default forward (exp(−2πi…)), as FFTW. */
  inverse?: boolean;
  /** Threads for this call, at most one per core is used (they share the row blocks, then the columns); default `config.fftThreads`. */
  threads?: number;
  /** Planner effort; default `config.fftwPlanner`. */
  planner?: FftwPlanner;
  /**
   * Array to write the result into (same type and length as the input, not
   * overlapping it); saves allocating a new one for repeated transforms.
   */
  out?: FloatArray;
}

/** MFT centring conventions (POPPY's). */
export type Centering = 'ADJUSTABLE' | 'SYMMETRIC' | 'FFTSTYLE';
const CENTERINGS: readonly Centering[] = ['ADJUSTABLE', 'SYMMETRIC', 'FFTSTYLE'];

/** Options of {@link mft}. */
export interface MftOptions {
  /**
   * Size of the output region in λ/D (forward) — with the pupil filling the
   * input array — as one number or `[y, x]`. For an inverse transform, the
   * size of the input region in λ/D.
   */
  nlamD: number | [number, number];
  /** Output size in pixels, one integer or `[ny, nx]`. */
  npix: number | [number, number];
  /**
   * `ADJUSTABLE` (default): even output puts the centre between the four
   * middle pixels, odd output on the middle pixel. `SYMMETRIC`: between the
   * four middle pixels always. `FFTSTYLE`: zero frequency on pixel n/2.
   */
  centering?: Centering;
  /** ADJUSTABLE only: move the output centre by `[dy, dx]` output pixels. */
  offset?: [number, number];
  /** Inverse transform (exp(−2πi·x·u)); forward uses exp(+2πi·x·u). */
  inverse?: boolean;
  /** Array to write the result into: same type as the input, 2·npixY·npixX long. */
  out?: FloatArray;
}

interface CheckedPlane {
  data: FloatArray;
  ny: number;
  nx: number;
  real: boolean;
}

function checkPlane(name: string, p: unknown, allowReal: boolean): CheckedPlane {
  if (typeof p !== 'object' || p === null) throw new TypeError(`${name} must be an object { data, shape }, got ${show(p)}`);
  const { data, shape, real } = p as Plane;
  if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
    throw new TypeError(`${name}.data must be a Float64Array or Float32Array, got ${show(data)}`);
  }
  const [ny, nx] = shape2(`${name}.shape`, shape);
  const isReal = real === undefined ? false : bool(`${name}.real`, real);
  if (isReal && !allowReal) throw new RangeError(`${name}.real: this transform takes complex input only`);
  const expected = ny * nx * (isReal ? 1 : 2);
  if (data.length !== expected) {
    throw new RangeError(
      `${name}.data has ${data.length} elements but shape [${ny}, ${nx}] ` +
        `needs ${expected} (${isReal ? 'one real value' : 'interleaved re, im'} per pixel)`,
    );
  }
  return { data, ny, nx, real: isReal };
}

function checkOut(out: unknown, input: FloatArray, length: number): FloatArray | undefined {
  if (out === undefined) return undefined;
  if (!(out instanceof input.constructor)) {
    throw new TypeError(`options.out must be a ${input.constructor.name} like the input, got ${show(out)}`);
  }
  const o = out as FloatArray;
  if (o.length !== length) throw new RangeError(`options.out has ${o.length} elements, expected ${length}`);
  if (o.buffer === input.buffer && o.byteOffset < input.byteOffset + input.byteLength && input.byteOffset < o.byteOffset + o.byteLength) {
    throw new RangeError('options.out must not overlap the input (transforms are out of place)');
  }
  return o;
}

function nonFinite(name: string, err: unknown): never {
  if ((err as { code?: string })?.code === 'ERR_AIRY_NONFINITE') {
    throw new RangeError(`${name} must contain only finite numbers (NaN or Infinity found)`);
  }
  rethrowNative(err);
}

let blasThreadsApplied = 0;
/** Internal: applies `config.blasThreads` to the BLAS before native work. */
export function applyBlasThreads(): void {
  const n = config.get('blasThreads');
  if (n > 0 && n !== blasThreadsApplied) {
    setBlasThreads(n);
    blasThreadsApplied = n;
  }
}
onConfigChange((c) => {
  if (c.blasThreads !== undefined) blasThreadsApplied = 0;
});

function fftArgs(a: unknown, opts: Fft2Options) {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`options must be an object, got ${show(opts)}`);
  knownKeys('options.', opts, ['inverse', 'threads', 'planner', 'out']);
  const p = checkPlane('a', a, false);
  const inverse = opts.inverse === undefined ? false : bool('options.inverse', opts.inverse);
  const threads = resolve('fftThreads', opts.threads, 'options.threads');
  const planner = resolve('fftwPlanner', opts.planner, 'options.planner');
  const out = checkOut(opts.out, p.data, 2 * p.ny * p.nx);
  const t: NativeTransform = { ny: p.ny, nx: p.nx, inverse, threads, planner };
  return [p.data, t, out] as const;
}

/**
 * 2D FFT on FFTW, out of place, unitary (scaled by 1/√(ny·nx) in both
 * directions, so energy is conserved). No shifts: the zero frequency is at
 * index [0, 0] as in numpy.fft.fft2. Runs off the event loop.
 */
export async function fft2<T extends FloatArray>(a: Complex2D<T>, opts: Fft2Options = {}): Promise<Complex2D<T>> {
  const args = fftArgs(a, opts);
  beforeTransform();
  let out: FloatArray;
  try {
    out = await native().fft2(...args);
  } catch (e) {
    nonFinite('a.data', e);
  }
  afterTransform();
  return { data: out as T, shape: [args[1].ny, args[1].nx] };
}

/** Synchronous {@link fft2}, for small arrays; blocks the event loop. */
export function fft2Sync<T extends FloatArray>(a: Complex2D<T>, opts: Fft2Options = {}): Complex2D<T> {
  const args = fftArgs(a, opts);
  beforeTransform();
  let out: FloatArray;
  try {
    out = native().fft2Sync(...args);
  } catch (e) {
    nonFinite('a.data', e);
  }
  afterTransform();
  return { data: out as T, shape: [args[1].ny, args[1].nx] };
}

/** Largest MFT output side, and output samples in all (8192²: 1 GiB of complex doubles). */
export const MAX_MFT_SIDE = 65536;
export const MAX_MFT_OUTPUT = 8192 * 8192;

function mftArgs(plane: unknown, opts: MftOptions) {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`options must be an object { nlamD, npix }, got ${show(opts)}`);
  knownKeys('options.', opts, ['nlamD', 'npix', 'centering', 'offset', 'inverse', 'out']);
  const p = checkPlane('plane', plane, true);
  if (opts.nlamD === undefined) throw new TypeError('options.nlamD is required (output size in λ/D)');
  if (opts.npix === undefined) throw new TypeError('options.npix is required (output size in pixels)');
  const [nlamDY, nlamDX] = pair('options.nlamD', opts.nlamD, positiveNumber);
  const [npixY, npixX] = pair('options.npix', opts.npix, (n, v) => integer(n, v, 1, MAX_MFT_SIDE));
  if (npixY * npixX > MAX_MFT_OUTPUT) {
    throw new RangeError(`options.npix ${npixY} × ${npixX} is ${npixY * npixX} output samples; at most ${MAX_MFT_OUTPUT} (${Math.sqrt(MAX_MFT_OUTPUT)}²)`);
  }
  const centering = opts.centering === undefined ? 'ADJUSTABLE' : oneOf('options.centering', opts.centering, CENTERINGS);
  let offY = 0;
  let offX = 0;
  if (opts.offset !== undefined) {
    if (centering !== 'ADJUSTABLE') throw new RangeError(`options.offset is only supported with ADJUSTABLE centering, got centering ${show(centering)}`);
    if (!Array.isArray(opts.offset)) throw new TypeError(`options.offset must be [dy, dx], got ${show(opts.offset)}`);
    [offY, offX] = pair('options.offset', opts.offset, (n, v) => finiteNumber(n, v));
  }
  const inverse = opts.inverse === undefined ? false : bool('options.inverse', opts.inverse);
  const out = checkOut(opts.out, p.data, 2 * npixY * npixX);
  const o: NativeMftOptions = { ny: p.ny, nx: p.nx, real: p.real, npixY, npixX, nlamDY, nlamDX, centering, offsetY: offY, offsetX: offX, inverse };
  return [p.data, o, out] as const;
}

/**
 * Matrix Fourier transform (Soummer et al. 2007) with POPPY's conventions:
 * forward `exp(+2πi·x·u)`, normalised by √(nlamDY·nlamDX / (npupY·npupX·npixY·npixX)).
 * Computed as two GEMMs with cached exponential kernels; a real input plane
 * (`real: true`) takes one real GEMM instead of a complex one. Runs off the
 * event loop. Output is complex, shape `[npixY, npixX]`, same precision as the input.
 */
export async function mft<T extends FloatArray>(plane: Plane<T>, opts: MftOptions): Promise<Complex2D<T>> {
  const args = mftArgs(plane, opts);
  applyBlasThreads();
  try {
    const out = await native().mft(...args);
    return { data: out as T, shape: [args[1].npixY, args[1].npixX] };
  } catch (e) {
    nonFinite('plane.data', e);
  }
}

/** Synchronous {@link mft}, for small arrays; blocks the event loop. */
export function mftSync<T extends FloatArray>(plane: Plane<T>, opts: MftOptions): Complex2D<T> {
  const args = mftArgs(plane, opts);
  applyBlasThreads();
  try {
    const out = native().mftSync(...args);
    return { data: out as T, shape: [args[1].npixY, args[1].npixX] };
  } catch (e) {
    nonFinite('plane.data', e);
  }
}

/** MFT kernel cache statistics. */
export function mftCacheStats(): { entries: number; bytes: number; hits: number; misses: number } {
  return native().mftCacheStats();
}
