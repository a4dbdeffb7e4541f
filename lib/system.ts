/**
 * Optical systems and their PSFs (POPPY's Fraunhofer core): planes of optics,
 * compiled once into native form, propagated one wavelength at a time in C++.
 */
import { native, type NativeStep, type NativeSystemDesc, type NativeSystemHandle, type NativeWindow } from './binding';
import { blasInfo } from './blas';
import * as os from 'node:os';
import { config, resolve, resolveParallel, type FftwPlanner, type ParallelMode, type StartMethod } from './config';
import { getBlasThreads, setBlasThreads } from './blas';
import { checkParallelSafety, detectFacts, estimateOptimalNProcesses, type WorkloadShape } from './parallel';
import { runOnPool, shareSystem, unshareSystem, type SharedSystem } from './pool';
import { AiryError, rethrowNative } from './errors';
import { afterTransform, beforeTransform, effortCode, fftwInfo } from './fftw';
import { applyBlasThreads } from './kernels';
import { combinedExtent, Optic, type Grid, type PlaneKind, type Rect } from './optics';
import { Psf, type IntermediatePlane } from './psf';
import { bool, finiteNumber, integer, oneOf, show } from './validate';
import { version } from './version';

const ARCSEC_PER_RAD = (180 / Math.PI) * 3600;

/** How a PSF is normalised (POPPY's names). */
export type Normalize = 'first' | 'last' | 'exit_pupil' | 'none';
const NORMALIZE: readonly Normalize[] = ['first', 'last', 'exit_pupil', 'none'];
const NATIVE_NORMALIZE = { none: 0, first: 1, last: 2, exit_pupil: 3 } as const;

/** Options of {@link OpticalSystem}. */
export interface OpticalSystemOptions {
  /** Pupil array size, pixels. Default 1024. */
  npix?: number;
  /** FFT padding factor: image planes are computed on (npix·oversample)² arrays. Default 2. */
  oversample?: number;
  /** Pupil diameter, metres (default: from the first pupil plane's optics). */
  pupilDiameter?: number;
  /** Name, for headers. */
  name?: string;
}

/** Options of {@link OpticalSystem.addDetector}. */
export interface DetectorOptions {
  /** Detector pixel scale, arcsec per pixel. */
  pixelscale: number;
  /** Field of view, arcsec (square). Give this or `fovPixels`. */
  fovArcsec?: number;
  /** Field of view, detector pixels (square). */
  fovPixels?: number;
  /** Oversampling of the computed PSF relative to detector pixels. Default 1. */
  oversample?: number;
  /** Name, for headers. */
  name?: string;
}

/** One plane of a system. */
export type Plane =
  | { kind: 'pupil' | 'image'; optics: Optic[]; name: string }
  | { kind: 'detector'; pixelscale: number; fovPixels: number; oversample: number; name: string };

/** A polychromatic source. */
export interface Source {
  /** Wavelengths, metres. */
  wavelengths: number[];
  /** Relative weights (renormalised to sum to 1). Default equal weights. */
  weights?: number[];
  /** Offset from the axis, arcsec. Default 0. */
  offsetR?: number;
  /** Position angle of the offset, degrees counter-clockwise from +y. Default 0. */
  offsetTheta?: number;
}

/** Progress of a multi-wavelength calculation. */
export interface Progress {
  /** Wavelengths finished so far. */
  done: number;
  total: number;
  /** The wavelength just finished, metres. */
  wavelength: number;
}

/** Options of {@link OpticalSystem.calcPsf}. */
export interface CalcPsfOptions {
  /** One wavelength, metres (or give `source`). */
  wavelength?: number;
  /** Wavelengths, weights and offset of the source. */
  source?: Source;
  /** Normalisation. Default 'first' (entrance-pupil intensity sums to 1). */
  normalize?: Normalize;
  /** Called after each wavelength. */
  onProgress?: (p: Progress) => void;
  /** Cancels between wavelengths. */
  signal?: AbortSignal;
  /** Threads per 2D FFT in FFT steps (default `config.fftThreads`). */
  fftThreads?: number;
  /** FFTW planner effort (default `config.fftwPlanner`). */
  planner?: FftwPlanner;
  /**
   * Also return the complex field at every plane of every wavelength as
   * `psf.intermediates` (costs a copy of each plane, and the Lyot-plane crop
   * is turned off so the captured pupil is whole).
   */
  returnIntermediates?: boolean;
  /** Wavelength parallelism (default `config.parallel`): 'none', 'processes', 'threads' or 'auto'. */
  parallel?: ParallelMode;
  /** Alias of `parallel: 'processes'` (POPPY's use_multiprocessing). */
  useMultiprocessing?: boolean;
  /** Workers (processes or threads); 0 = estimated from cores, memory and wavelengths (default `config.nProcesses`). */
  nProcesses?: number;
  /** 'spawn' (fresh Node workers) or 'fork' (compute-only native children) (default `config.startMethod`). */
  startMethod?: StartMethod;
  /** Allow more busy threads than cores (the safety policy refuses otherwise). */
  allowOversubscribe?: boolean;
}

interface ParallelPlan {
  mode: 'none' | 'processes' | 'threads';
  startMethod: StartMethod;
  workers: number;
  kernelThreads: number;
  reason: string;
}

interface Compiled {
  handle: NativeSystemHandle;
  desc: NativeSystemDesc;
  shared?: SharedSystem;
  npix: number;
  padded: number;
  pupilScale: number;
  pupilDiameter: number;
  detector: { npix: number; pixelscale: number; oversample: number; fovPixels: number };
  imagePlanes: Optic[][];
  normalize: Normalize;
  imageCache: Map<number, (NativeWindow & { data?: Float64Array })[]>;
  rasterSeconds: number;
}

/** Pixel window of `grid` outside which a product of optics is constant. */
function windowFor(optics: Optic[], grid: Grid): Rect {
  const ext = combinedExtent(optics);
  if (!Number.isFinite(ext)) return { y0: 0, x0: 0, ny: grid.ny, nx: grid.nx };
  const half = ext / grid.scale + 1;
  const y0 = Math.max(0, Math.floor(grid.cy - half));
  const x0 = Math.max(0, Math.floor(grid.cx - half));
  const y1 = Math.min(grid.ny, Math.ceil(grid.cy + half) + 1);
  const x1 = Math.min(grid.nx, Math.ceil(grid.cx + half) + 1);
  return { y0, x0, ny: Math.max(0, y1 - y0), nx: Math.max(0, x1 - x0) };
}

/** Samples a plane's optics on `r` of `grid`: amplitude product and OPD sum. */
function raster(optics: Optic[], grid: Grid, r: Rect): { amp: Float64Array; opd: Float64Array | null } {
  const amp = new Float64Array(r.ny * r.nx).fill(1);
  const opd = optics.some((o) => o.hasOpd()) ? new Float64Array(r.ny * r.nx) : null;
  for (const o of optics) o.apply(grid, r, amp, opd);
  return { amp, opd };
}

/**
 * An optical system: pupil and image planes of optics, ending at a detector.
 * Propagation follows POPPY: pupil → detector by MFT; pupil → image plane by
 * FFT of the (npix·oversample)² padded array; image → pupil by inverse FFT.
 */
export class OpticalSystem {
  /** Pupil array size, pixels. */
  readonly npix: number;
  /** FFT padding factor for image planes. */
  readonly oversample: number;
  /** Explicit pupil diameter, metres, if given. */
  readonly pupilDiameter: number | undefined;
  readonly name: string;
  /** Planes in order. */
  readonly planes: Plane[] = [];
  /** Source used when `calcPsf` is given neither `wavelength` nor `source` (set by loadSystem). */
  defaultSource: Source | undefined;
  /** Normalisation used when `calcPsf` is not given one (set by loadSystem). */
  defaultNormalize: Normalize | undefined;
  private compiled: Compiled | undefined;

  constructor(opts: OpticalSystemOptions = {}, path = 'OpticalSystem') {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${path} options must be an object, got ${show(opts)}`);
    this.npix = opts.npix === undefined ? 1024 : integer(`${path}.npix`, opts.npix, 2, 16384);
    this.oversample = opts.oversample === undefined ? 2 : integer(`${path}.oversample`, opts.oversample, 1, 64);
    this.pupilDiameter = opts.pupilDiameter === undefined ? undefined : finiteNumber(`${path}.pupilDiameter`, opts.pupilDiameter, { exclusiveMin: 0 });
    this.name = opts.name ?? '';
  }

  private addOptics(kind: PlaneKind, optics: Optic | Optic[] | undefined, name: string | undefined, path: string): this {
    const list = optics === undefined ? [] : Array.isArray(optics) ? optics : [optics];
    list.forEach((o, i) => {
      if (!(o instanceof Optic)) throw new TypeError(`${path}[${i}] must be an optic, got ${show(o)}`);
      if (!o.planes.includes(kind)) {
        throw new RangeError(`${path}[${i}]: ${o.type} belongs in ${o.planes.join(' or ')} planes, not in a ${kind} plane`);
      }
    });
    this.planes.push({ kind, optics: list, name: name ?? '' });
    this.compiled = undefined;
    return this;
  }

  /** Adds a pupil plane holding `optics` (several multiply). */
  addPupil(optics?: Optic | Optic[], opts: { name?: string } = {}): this {
    return this.addOptics('pupil', optics, opts.name, `planes[${this.planes.length}].optics`);
  }

  /** Adds an image (focal) plane holding `optics` (masks, stops). */
  addImage(optics?: Optic | Optic[], opts: { name?: string } = {}): this {
    return this.addOptics('image', optics, opts.name, `planes[${this.planes.length}].optics`);
  }

  /** Adds the detector: the plane the PSF is computed on. */
  addDetector(opts: DetectorOptions, path = `planes[${this.planes.length}]`): this {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${path} must be { pixelscale, fovArcsec | fovPixels, oversample }, got ${show(opts)}`);
    const pixelscale = finiteNumber(`${path}.pixelscale`, opts.pixelscale, { exclusiveMin: 0 });
    if ((opts.fovArcsec === undefined) === (opts.fovPixels === undefined)) {
      throw new TypeError(`${path} needs exactly one of fovArcsec or fovPixels`);
    }
    const fovPixels = opts.fovPixels !== undefined
      ? integer(`${path}.fovPixels`, opts.fovPixels, 1, 65536)
      : Math.max(1, Math.round(finiteNumber(`${path}.fovArcsec`, opts.fovArcsec, { exclusiveMin: 0 }) / pixelscale));
    const oversample = opts.oversample === undefined ? 1 : integer(`${path}.oversample`, opts.oversample, 1, 64);
    this.planes.push({ kind: 'detector', pixelscale, fovPixels, oversample, name: opts.name ?? '' });
    this.compiled = undefined;
    return this;
  }

  /** Checks the plane sequence; throws an error naming the problem. */
  validate(): void {
    const p = this.planes;
    if (!p.some((x) => x.kind === 'pupil')) throw new AiryError('the system has no pupil plane: add one with addPupil', 'ERR_AIRY_SYSTEM');
    if (p[0]!.kind !== 'pupil') {
      throw new AiryError(`planes[0] is a${p[0]!.kind === 'image' ? 'n image' : ' detector'} plane before the first pupil: a system starts with a pupil`, 'ERR_AIRY_SYSTEM');
    }
    const last = p[p.length - 1]!;
    if (last.kind !== 'detector') throw new AiryError('the system has no detector at the end: add one with addDetector', 'ERR_AIRY_SYSTEM');
    p.forEach((x, i) => {
      if (x.kind === 'detector' && i !== p.length - 1) throw new AiryError(`planes[${i}]: a detector must be the last plane`, 'ERR_AIRY_SYSTEM');
      if (i > 0 && x.kind === 'image' && p[i - 1]!.kind === 'image') {
        throw new AiryError(`planes[${i}]: two image planes in a row; put their optics in one plane`, 'ERR_AIRY_SYSTEM');
      }
      if (x.kind === 'detector' && p[i - 1]!.kind === 'image') {
        throw new AiryError(`planes[${i}]: a detector directly after an image plane is not supported; add a pupil plane (e.g. a Lyot stop) between them`, 'ERR_AIRY_SYSTEM');
      }
    });
  }

  /** Pupil diameter in metres: explicit, or the largest optic of the first pupil plane. */
  resolvedPupilDiameter(): number {
    if (this.pupilDiameter !== undefined) return this.pupilDiameter;
    const first = this.planes.find((x) => x.kind === 'pupil');
    const d = first && first.kind !== 'detector' ? first.optics.map((o) => o.pupilDiameter()).filter((x): x is number => x !== undefined) : [];
    if (!d.length) throw new AiryError('cannot tell the pupil diameter: the first pupil plane has no aperture; pass OpticalSystem({ pupilDiameter })', 'ERR_AIRY_SYSTEM');
    return Math.max(...d);
  }

  /** Rasterises the wavelength-independent planes and builds the native system (cached). */
  private compile(normalize: Normalize): Compiled {
    if (this.compiled && this.compiled.normalize === normalize) return this.compiled;
    this.validate();
    const t0 = performance.now();
    const n = this.npix;
    const D = this.resolvedPupilDiameter();
    const dx = D / n;
    const hasImage = this.planes.some((x) => x.kind === 'image');
    const N = hasImage ? n * this.oversample : n;
    const p0 = Math.floor((N - n) / 2);
    // Merge consecutive pupil planes (conjugate planes: their optics multiply).
    const merged: Plane[] = [];
    for (const pl of this.planes) {
      const prev = merged[merged.length - 1];
      if (pl.kind === 'pupil' && prev && prev.kind === 'pupil') merged[merged.length - 1] = { ...prev, optics: [...prev.optics, ...pl.optics] };
      else merged.push(pl);
    }
    const steps: NativeStep[] = [];
    const imagePlanes: Optic[][] = [];
    let det: Compiled['detector'] | undefined;
    merged.forEach((pl, i) => {
      if (pl.kind === 'pupil') {
        if (i === 0) {
          const grid: Grid = { ny: n, nx: n, cy: (n - 1) / 2, cx: (n - 1) / 2, scale: dx };
          const r = { y0: 0, x0: 0, ny: n, nx: n };
          const { amp, opd } = raster(pl.optics, grid, r);
          steps.push({ kind: 0, mask: { ...r, outsideRe: 0, outsideIm: 0, amp, ...(opd ? { opd } : {}) } });
        } else if (pl.optics.length === 0) {
          steps.push({ kind: 0 });
        } else {
          const grid: Grid = { ny: N, nx: N, cy: p0 + (n - 1) / 2, cx: p0 + (n - 1) / 2, scale: dx };
          const r = windowFor(pl.optics, grid);
          const { amp, opd } = raster(pl.optics, grid, r);
          const outside = pl.optics.reduce((a, o) => a * o.outside(), 1);
          steps.push({ kind: 0, mask: { ...r, outsideRe: outside, outsideIm: 0, amp, ...(opd ? { opd } : {}) } });
        }
      } else if (pl.kind === 'image') {
        steps.push({ kind: 1 });
        imagePlanes.push(pl.optics);
      } else if (pl.kind === 'detector') {
        const m = pl.fovPixels * pl.oversample;
        det = { npix: m, pixelscale: pl.pixelscale / pl.oversample, oversample: pl.oversample, fovPixels: pl.fovPixels };
        steps.push({ kind: 2, npixY: m, npixX: m, pixelscale: det.pixelscale });
      }
    });
    let handle: NativeSystemHandle;
    try {
      handle = new (native().NativeSystem)({ npix: n, padded: N, pupilScale: dx, normalize: NATIVE_NORMALIZE[normalize], steps } as NativeSystemDesc);
    } catch (e) {
      rethrowNative(e);
    }
    const desc = { npix: n, padded: N, pupilScale: dx, normalize: NATIVE_NORMALIZE[normalize], steps };
    if (this.compiled?.shared) {
      unshareSystem(this.compiled.shared);
      sharedRegistry.unregister(this.compiled);
    }
    this.compiled = {
      handle, desc, npix: n, padded: N, pupilScale: dx, pupilDiameter: D, detector: det!, imagePlanes, normalize,
      imageCache: new Map(), rasterSeconds: (performance.now() - t0) / 1e3,
    };
    return this.compiled;
  }

  /** Image-plane masks at one wavelength (their sampling scales with λ). */
  private imageMasks(c: Compiled, wavelength: number): (NativeWindow & { data?: Float64Array })[] {
    const hit = c.imageCache.get(wavelength);
    if (hit) return hit;
    const N = c.padded;
    const scale = (wavelength / (N * c.pupilScale)) * ARCSEC_PER_RAD;
    const half = Math.floor(N / 2);
    const grid: Grid = { ny: N, nx: N, cy: half, cx: half, scale };
    const masks: (NativeWindow & { data?: Float64Array })[] = c.imagePlanes.map((optics) => {
      if (optics.length === 0) return { y0: 0, x0: 0, ny: 0, nx: 0, outsideRe: 1, outsideIm: 0 };
      const r = windowFor(optics, grid);
      const { amp, opd } = raster(optics, grid, r);
      const data = new Float64Array(2 * amp.length);
      const k = (2 * Math.PI) / wavelength;
      for (let i = 0; i < amp.length; i++) {
        const ph = opd ? k * opd[i]! : 0;
        data[2 * i] = amp[i]! * Math.cos(ph);
        data[2 * i + 1] = amp[i]! * Math.sin(ph);
      }
      const outside = optics.reduce((a, o) => a * o.outside(), 1);
      return { ...r, outsideRe: outside, outsideIm: 0, data };
    });
    // Keep masks for repeated wavelengths, up to 256 MB in all.
    const bytes = (list: typeof masks) => list.reduce((a, w) => a + (w.data?.byteLength ?? 0), 0);
    let held = 0;
    for (const v of c.imageCache.values()) held += bytes(v);
    if (held + bytes(masks) > 256 * 2 ** 20) c.imageCache.clear();
    if (bytes(masks) <= 256 * 2 ** 20) c.imageCache.set(wavelength, masks);
    return masks;
  }

  /**
   * Computes the PSF on the detector for one wavelength or a weighted source
   * spectrum: PSF = Σ wᵢ·PSF(λᵢ) with weights renormalised to sum to 1,
   * wavelengths computed one after another in native code (off the event loop).
   */
  async calcPsf(opts: CalcPsfOptions = {}): Promise<Psf> {
    const t0 = performance.now();
    if (opts === null || typeof opts !== 'object') throw new TypeError(`calcPsf options must be an object, got ${show(opts)}`);
    const src = resolveSource(opts.wavelength === undefined && opts.source === undefined && this.defaultSource ? { ...opts, source: this.defaultSource } : opts);
    const normalize = opts.normalize === undefined ? (this.defaultNormalize ?? 'first') : oneOf('normalize', opts.normalize, NORMALIZE);
    const fftThreads = resolve('fftThreads', opts.fftThreads, 'fftThreads');
    const planner = resolve('fftwPlanner', opts.planner, 'planner');
    if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new TypeError(`onProgress must be a function, got ${show(opts.onProgress)}`);
    const returnIntermediates = opts.returnIntermediates === undefined ? false : bool('returnIntermediates', opts.returnIntermediates);
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${show(opts.signal)}`);
    const aborted = () => {
      if (opts.signal?.aborted) throw new AiryError('calcPsf was aborted', 'ABORT_ERR', { cause: opts.signal.reason });
    };
    aborted();
    const wasCompiled = this.compiled !== undefined && this.compiled.normalize === normalize;
    const c = this.compile(normalize);
    let rasterSeconds = wasCompiled ? 0 : c.rasterSeconds;
    const m = c.detector.npix;
    const nw = src.wavelengths.length;
    const tiltX = -src.offsetR * Math.sin(src.offsetTheta * (Math.PI / 180));
    const tiltY = src.offsetR * Math.cos(src.offsetTheta * (Math.PI / 180));
    const effort = effortCode(planner);

    // ---- parallel plan and safety policy, before any work ----------------
    const plan = this.planParallel(opts, nw, fftThreads, returnIntermediates);
    checkParallelSafety(detectFacts({ mode: plan.mode, startMethod: plan.startMethod, workers: plan.workers, kernelThreads: plan.kernelThreads, allowOversubscribe: opts.allowOversubscribe }));

    // Image-plane masks, rasterised when a wavelength needs them (a
    // full-plane mask at N = 4096 is 256 MB; all of them at once would not fit).
    const maskFor = (i: number) => {
      const r0 = performance.now();
      const mk = this.imageMasks(c, src.wavelengths[i]!);
      rasterSeconds += (performance.now() - r0) / 1e3;
      return mk;
    };

    let kernelSeconds = 0;
    let nativeSeconds = 0;
    let workerPeakRss = 0;
    const intermediates: IntermediatePlane[][] = new Array(nw);
    const psfs: Float64Array[] = new Array(nw);
    let done = 0;
    const finished = (i: number) => {
      done++;
      opts.onProgress?.({ done, total: nw, wavelength: src.wavelengths[i]! });
    };
    // For progress reported from native calls: a throwing onProgress is kept,
    // `stop` ends the native work early, and rethrow() fails the call with it
    // afterwards (as it fails a serial call).
    const guardProgress = (stop: () => void) => {
      let caught: { e: unknown } | undefined;
      return {
        report: (i: number) => {
          try {
            finished(i);
          } catch (e) {
            caught ??= { e };
            stop();
          }
        },
        rethrow: () => {
          if (caught) throw caught.e;
        },
      };
    };
    const nativeError = (e: unknown, lam: number): never => {
      if (e instanceof Error && (e as { code?: string }).code === 'ERR_AIRY_NONFINITE') {
        throw new AiryError(`wavelength ${lam} m: the propagation produced NaN or Infinity (check the optics' values)`, 'ERR_AIRY_NONFINITE', { cause: e });
      }
      if (e instanceof AiryError) throw e;
      rethrowNative(e);
    };
    const one = async (i: number, threads: number) => {
      aborted();
      const lam = src.wavelengths[i]!;
      const out = new Float64Array(m * m);
      let t: Awaited<ReturnType<NativeSystemHandle['propagate']>>;
      try {
        t = await c.handle.propagate(lam, tiltX, tiltY, maskFor(i), threads, effort, out, returnIntermediates);
      } catch (e) {
        return nativeError(e, lam);
      }
      kernelSeconds += t.kernelSeconds;
      nativeSeconds += t.totalSeconds;
      if (t.planes) intermediates[i] = t.planes.map((p) => this.describePlane(c, p, lam));
      psfs[i] = out;
      finished(i);
    };

    // The weighted sum, always in wavelength order: every mode gives the same bits.
    const weightedSum = (psf: (i: number) => Float64Array): Float64Array => {
      const out = new Float64Array(m * m);
      for (let i = 0; i < nw; i++) {
        const w = src.weights[i]!;
        const p = psf(i);
        for (let k = 0; k < out.length; k++) out[k] += w * p[k]!;
      }
      return out;
    };
    // PSF i of nw stored one after another in one array.
    const inBlock = (all: Float64Array) => (i: number) => all.subarray(i * m * m, (i + 1) * m * m);
    let sum: Float64Array | undefined;

    beforeTransform();
    if (plan.mode === 'none') {
      applyBlasThreads();
      for (let i = 0; i < nw; i++) await one(i, fftThreads);
    } else if (plan.mode === 'threads' && c.imagePlanes.length === 0 && !returnIntermediates) {
      // No image-plane masks to make: all wavelengths in one native call on
      // plan.workers threads, with no return to JavaScript between them.
      const restore = getBlasThreads();
      setBlasThreads(1);
      const all = new Float64Array(nw * m * m);
      const cancel = new Int32Array(1);
      const stop = () => {
        cancel[0] = 1;
      };
      opts.signal?.addEventListener('abort', stop, { once: true });
      const progress = guardProgress(stop);
      try {
        const waves = src.wavelengths.map((lam) => ({ wavelength: lam, tiltX, tiltY, imageMasks: [] }));
        const t = await c.handle.threadsCompute(waves, plan.workers, effort, all, cancel, progress.report);
        progress.rethrow();
        kernelSeconds = t.kernelSeconds;
        nativeSeconds = t.totalSeconds;
      } catch (e) {
        progress.rethrow();
        const i = (e as { wavelengthIndex?: number }).wavelengthIndex;
        nativeError(e, src.wavelengths[i !== undefined && i >= 0 ? i : 0]!);
      } finally {
        opts.signal?.removeEventListener('abort', stop);
        if (restore > 0) setBlasThreads(restore);
      }
      aborted();
      sum = weightedSum(inBlock(all));
    } else if (plan.mode === 'threads') {
      // Wavelengths on native threads (the libuv pool), sharing the system's
      // read-only arrays; each thread's kernels single-threaded; image-plane
      // masks made on this thread as each wavelength starts.
      const restore = getBlasThreads();
      setBlasThreads(1);
      try {
        let next = 0;
        const lane = async () => {
          while (next < nw) await one(next++, 1);
        };
        await Promise.all(Array.from({ length: plan.workers }, lane));
      } finally {
        if (restore > 0) setBlasThreads(restore);
      }
    } else if (plan.startMethod === 'fork') {
      // Forked children inherit the parent's memory: every mask is made first.
      const waves = src.wavelengths.map((lam, i) => ({ wavelength: lam, tiltX, tiltY, imageMasks: maskFor(i) }));
      const pids: number[] = [];
      const kill = () => {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      };
      opts.signal?.addEventListener('abort', kill, { once: true });
      const tk = performance.now();
      let all: Float64Array | undefined;
      const progress = guardProgress(kill);
      try {
        all = await c.handle.forkCompute(waves, plan.workers, effort, (v) => {
          if (v < 0) pids.push(-1 - v);
          else progress.report(v);
        });
      } catch (e) {
        progress.rethrow();
        aborted();
        nativeError(e, src.wavelengths[0]!);
      } finally {
        opts.signal?.removeEventListener('abort', kill);
      }
      progress.rethrow();
      aborted();
      nativeSeconds = kernelSeconds = (performance.now() - tk) / 1e3;
      sum = weightedSum(inBlock(all!));
    } else {
      const shared = this.sharedSystem(c);
      // The pool's results file is reused by the next call: summed before it is handed back.
      sum = await runOnPool(shared, src.wavelengths.map((lam, i) => ({ index: i, wavelength: lam, tiltX, tiltY, imageMasks: () => maskFor(i) })),
        plan.workers, m * m, effort, {
          signal: opts.signal,
          onDone: (i, t) => {
            workerPeakRss = Math.max(workerPeakRss, t.maxRssBytes);
            kernelSeconds += t.kernelSeconds;
            nativeSeconds += t.totalSeconds;
            finished(i);
          },
          consume: (all) => weightedSum(inBlock(all)),
        });
    }
    sum ??= weightedSum((i) => psfs[i]!);
    afterTransform();
    const totalSeconds = (performance.now() - t0) / 1e3;
    const meanLam = src.wavelengths.reduce((a, l, i) => a + l * src.weights[i]!, 0);
    const b = blasInfo();
    const header: Record<string, number | string | boolean> = {
      PIXELSCL: c.detector.pixelscale,
      OVERSAMP: c.detector.oversample,
      DET_SAMP: c.detector.oversample,
      WAVELEN: meanLam,
      NWAVES: src.wavelengths.length,
    };
    src.wavelengths.forEach((l, i) => {
      header[`WAVE${i}`] = l;
      header[`WGHT${i}`] = src.weights[i]!;
    });
    Object.assign(header, {
      NORMALIZ: normalize,
      DIFFLMT: (meanLam / c.pupilDiameter) * ARCSEC_PER_RAD,
      FOV: m * c.detector.pixelscale,
      PUPLDIAM: c.pupilDiameter,
      NPIX: c.npix,
      FFTPAD: c.padded,
      SRC_R: src.offsetR,
      SRC_T: src.offsetTheta,
      BLAS: `${b.vendor} ${b.version}${b.kernel ? ` ${b.kernel}` : ''}`.trim(),
      FFTWVER: fftwInfo().version,
      PARALLEL: plan.mode === 'none' ? 'none, 1 worker' : `${plan.mode}${plan.mode === 'processes' ? `/${plan.startMethod}` : ''}, ${plan.workers} workers`,
      PRECISION: 'double',
      CALCTIME: totalSeconds,
      ORIGIN: `airy ${version}`,
    });
    return new Psf({
      data: sum,
      shape: [m, m],
      pixelscale: c.detector.pixelscale,
      oversample: c.detector.oversample,
      header,
      timing: { rasterSeconds, kernelSeconds, nativeOtherSeconds: Math.max(0, nativeSeconds - kernelSeconds), totalSeconds },
      intermediates: returnIntermediates ? intermediates : undefined,
      parallel: { mode: plan.mode, workers: plan.workers, startMethod: plan.startMethod, reason: plan.reason, ...(workerPeakRss ? { workerPeakRssBytes: workerPeakRss } : {}) },
    });
  }

  /** Picks the parallel mode and worker count for `nw` wavelengths. */
  private planParallel(opts: CalcPsfOptions, nw: number, fftThreads: number, returnIntermediates: boolean): ParallelPlan {
    const requested = resolveParallel(opts).mode;
    const startMethod = resolve('startMethod', opts.startMethod, 'startMethod');
    const nProc = resolve('nProcesses', opts.nProcesses, 'nProcesses');
    const cores = os.availableParallelism();
    const blas = config.get('blasThreads') || getBlasThreads() || 1;
    const serialThreads = Math.max(fftThreads, blas);
    if (requested === 'none' || (requested === 'auto' && nw === 1)) {
      return { mode: 'none', startMethod, workers: 1, kernelThreads: serialThreads, reason: requested === 'none' ? 'requested' : 'one wavelength' };
    }
    if (returnIntermediates && requested !== 'threads' && requested !== 'auto') {
      throw new RangeError(`returnIntermediates needs parallel 'none' or 'threads' (fields stay in this process), got ${show(requested)}`);
    }
    const fit = estimateOptimalNProcesses(this, nw, { cores });
    const workers = nProc > 0 ? Math.min(nProc, nw) : fit;
    if (requested === 'auto') {
      // Threads share the plane arrays and start instantly; one worker is serial.
      if (workers <= 1) return { mode: 'none', startMethod, workers: 1, kernelThreads: serialThreads, reason: `auto: memory or cores allow 1 worker` };
      return { mode: 'threads', startMethod, workers, kernelThreads: 1, reason: `auto: ${workers} threads (${cores} cores, ${nw} wavelengths, memory fits ${fit})` };
    }
    return { mode: requested, startMethod, workers: Math.max(1, workers), kernelThreads: 1, reason: nProc > 0 ? 'nProcesses' : `estimated (${cores} cores, ${nw} wavelengths, memory fits ${fit})` };
  }

  /** The compiled system published in shared memory for worker processes (once). */
  private sharedSystem(c: Compiled): SharedSystem {
    if (!c.shared) {
      c.shared = shareSystem(c.desc);
      sharedRegistry.register(c, c.shared, c);
    }
    return c.shared;
  }

  /** Sizes the memory model needs (compiles the system if necessary). */
  workloadShape(): WorkloadShape {
    const c = this.compile(this.compiled?.normalize ?? this.defaultNormalize ?? 'first');
    let bytes = 0;
    let mftInput = c.npix;
    for (const st of c.desc.steps) {
      bytes += ((st.mask?.amp?.length ?? 0) + (st.mask?.opd?.length ?? 0)) * 8;
      if (st.kind === 0 && st.mask && st !== c.desc.steps[0]) mftInput = st.mask.outsideRe === 0 ? Math.max(st.mask.ny, st.mask.nx) : c.padded;
      else if (st.kind === 0 && !st.mask && st !== c.desc.steps[0]) mftInput = c.padded;
    }
    return { npix: c.npix, padded: c.padded, detector: c.detector.npix, fft: c.imagePlanes.length > 0, mftInput, systemBytes: bytes, opd: c.desc.steps[0]?.mask?.opd !== undefined };
  }

  private describePlane(c: Compiled, p: { kind: 0 | 1 | 2; ny: number; nx: number; field: Float64Array }, lam: number): IntermediatePlane {
    const kind = (['pupil', 'image', 'detector'] as const)[p.kind];
    const pixelscale = kind === 'pupil' ? c.pupilScale : kind === 'image' ? (lam / (c.padded * c.pupilScale)) * ARCSEC_PER_RAD : c.detector.pixelscale;
    return { kind, wavelength: lam, shape: [p.ny, p.nx], pixelscale, field: p.field };
  }

  /**
   * Frees what this system keeps for later calls: native scratch buffers and
   * the copies its worker processes hold (all rebuilt on demand). Systems that
   * are garbage-collected are released from the workers automatically.
   */
  release(): void {
    this.compiled?.handle.dropScratch();
    if (this.compiled?.shared) {
      unshareSystem(this.compiled.shared);
      sharedRegistry.unregister(this.compiled);
      this.compiled.shared = undefined;
    }
  }
}

// A compiled system shared with worker processes is dropped from them when
// the system is garbage-collected (FinalizationRegistry) or released.
const sharedRegistry = new FinalizationRegistry<SharedSystem>((s) => unshareSystem(s));

function resolveSource(opts: CalcPsfOptions): { wavelengths: number[]; weights: number[]; offsetR: number; offsetTheta: number } {
  if ((opts.wavelength === undefined) === (opts.source === undefined)) {
    throw new TypeError('calcPsf needs exactly one of { wavelength } or { source: { wavelengths, weights } }');
  }
  if (opts.wavelength !== undefined) {
    return { wavelengths: [finiteNumber('wavelength', opts.wavelength, { exclusiveMin: 0 })], weights: [1], offsetR: 0, offsetTheta: 0 };
  }
  const s = opts.source as Source;
  if (s === null || typeof s !== 'object') throw new TypeError(`source must be an object { wavelengths, weights }, got ${show(s)}`);
  for (const k of Object.keys(s)) {
    if (!['wavelengths', 'weights', 'offsetR', 'offsetTheta'].includes(k)) throw new RangeError(`source.${k} is not a source parameter (known: wavelengths, weights, offsetR, offsetTheta)`);
  }
  if (!Array.isArray(s.wavelengths) || s.wavelengths.length === 0) throw new TypeError(`source.wavelengths must be a non-empty array of wavelengths in metres, got ${show(s.wavelengths)}`);
  const wavelengths = s.wavelengths.map((v, i) => finiteNumber(`source.wavelengths[${i}]`, v, { exclusiveMin: 0 }));
  let weights: number[];
  if (s.weights === undefined) weights = wavelengths.map(() => 1);
  else {
    if (!Array.isArray(s.weights)) throw new TypeError(`source.weights must be an array of numbers, got ${show(s.weights)}`);
    if (s.weights.length !== wavelengths.length) {
      throw new RangeError(`source.weights has ${s.weights.length} entries but source.wavelengths has ${wavelengths.length}`);
    }
    weights = s.weights.map((v, i) => finiteNumber(`source.weights[${i}]`, v, { min: 0 }));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('source.weights sum to zero; at least one weight must be positive');
  return {
    wavelengths,
    weights: weights.map((w) => w / total),
    offsetR: s.offsetR === undefined ? 0 : finiteNumber('source.offsetR', s.offsetR, { min: 0 }),
    offsetTheta: s.offsetTheta === undefined ? 0 : finiteNumber('source.offsetTheta', s.offsetTheta),
  };
}

