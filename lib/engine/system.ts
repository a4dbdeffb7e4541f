/**
 * Optical systems and their PSFs (POPPY's Fraunhofer core): planes of optics,
 * compiled once into native form, and `calcPsf`: validate the call, compile
 * (cached by the planes), plan the parallel mode, run the wavelengths, and
 * assemble the Psf.
 */
import type { AbortSignalLike } from '../signal';
import { type FftwPlanner, type ParallelMode, type Precision, resolve, type StartMethod } from '../config';
import { AiryError } from '../errors';
import { Datacube } from '../io/datacube';
import { Psf, type IntermediatePlane } from '../io/psf';
import { type Conventions, Optic, type PlaneKind } from '../optics';
import { runWaves } from '../run';
import type { WorkloadShape } from '../run/memory';
import { planParallel } from '../run/plan';
import { type SharedSystem, shareSystem, unshareSystem } from '../run/pool';
import { bool, finiteNumber, integer, knownKeys, oneOf, pair, show } from '../validate';
import { psfHeader } from './header';
import { type Compiled, compilePlanes, type CompilePlane, type PupilCache } from './compile';
import { monochromatic, type ResolvedSource, resolveSource, type Source, type WeightedSource } from './source';

const ARCSEC_PER_RAD = (180 / Math.PI) * 3600;

/** How a PSF is normalised (POPPY's names). */
export type Normalize = 'first' | 'last' | 'exit_pupil' | 'none';
const NORMALIZE: readonly Normalize[] = ['first', 'last', 'exit_pupil', 'none'];

/**
 * How an image plane is reached and left: 'fft' pads the pupil to
 * npix·oversample and transforms the whole array (POPPY's default); 'mft'
 * transforms only a box around the plane's mask, sampled `maskSampling` times
 * per λ/D whatever `oversample` is (semi-analytic, as POPPY's
 * MatrixFTCoronagraph); 'auto' takes 'mft' wherever it applies: masks of
 * finite extent (occulters, field stops) followed by pupils that are dark
 * outside the pupil array.
 */
export type Propagation = 'auto' | 'fft' | 'mft';
const PROPAGATION: readonly Propagation[] = ['auto', 'fft', 'mft'];

/**
 * How an MFT box holds its mask: 'analytic' band-limits the mask's exact
 * Fourier transform to what the pupil array can see, so the box gives the
 * continuous answer at any sampling of 3 or more per λ/D (one circle,
 * annulus or rectangle per plane, times constants);
 * 'sampled' takes each box pixel's area fraction inside the mask (the FFT
 * path's model; it converges as the sampling grows); 'auto' is 'analytic'
 * wherever the plane allows it.
 */
export type MaskModel = 'auto' | 'analytic' | 'sampled';
const MASK_MODEL: readonly MaskModel[] = ['auto', 'analytic', 'sampled'];

/** Pupil diameters airy takes, metres, and detector pixel scales, arcsec: beyond them the MFT's scales lose meaning. */
export const PUPIL_DIAMETER_RANGE: readonly [number, number] = [1e-9, 1e6];
export const PIXELSCALE_RANGE: readonly [number, number] = [1e-9, 1e7];

/** Largest detector side in computed pixels (fovPixels × oversample). */
export const MAX_DETECTOR_SIDE = 16384;

/** Default samples per λ/D (D: the pupil array's width) on an MFT image-plane box whose mask is sampled. */
export const DEFAULT_MASK_SAMPLING = 64;
/** Default samples per λ/D on an MFT image-plane box whose mask is analytic. */
export const DEFAULT_ANALYTIC_SAMPLING = 4;

/** How one image plane was propagated (`Psf.imagePlanes`). */
export interface ImagePlaneMethod {
  /** Index of the plane in `planes`. */
  plane: number;
  method: 'fft' | 'mft';
  /** Samples per λ/D of the mask, D the pupil array's width (fft: the FFT padding, `oversample`). */
  sampling: number;
  /** How the mask was put on its grid (the FFT path always samples). */
  model: 'analytic' | 'sampled';
  /** Why this method (e.g. 'auto: mask of finite extent'). */
  reason: string;
}

/** Options of {@link OpticalSystem}. */
export interface OpticalSystemOptions {
  /** Image-plane propagation for planes that do not choose (default 'auto'). */
  propagation?: Propagation;
  /**
   * Samples per λ/D (D: the pupil array's width) on MFT image-plane boxes, for planes that do not choose. Default
   * {@link DEFAULT_ANALYTIC_SAMPLING} for analytic masks, {@link DEFAULT_MASK_SAMPLING} for sampled ones.
   */
  maskSampling?: number;
  /** How MFT boxes hold their masks, for planes that do not choose (default 'auto'). */
  maskModel?: MaskModel;
  /**
   * How analytic shapes are sampled by default (an optic's `grayPixel` overrides): 'airy' (default) anti-aliases
   * every edge; 'poppy' samples each optic as POPPY's class of the same name does, and image planes default to
   * POPPY's padded FFT.
   */
  conventions?: Conventions;
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
  /** Field of view, arcsec: square, or `[y, x]`. Give this or `fovPixels`. */
  fovArcsec?: number | [number, number];
  /** Field of view, detector pixels: square, or `[ny, nx]` (rows, columns). */
  fovPixels?: number | [number, number];
  /** Oversampling of the computed PSF relative to detector pixels. Default 1. */
  oversample?: number;
  /** Where the detector's centre sits in the field, arcsec along the system's x and y (default 0, the optical axis). */
  offsetX?: number;
  offsetY?: number;
  /**
   * The detector's rows and columns turned by this angle, degrees counter-clockwise from the system's
   * x and y axes (default 0): a source at field position p lands at R(−rotation)·(p − offset) on it.
   */
  rotation?: number;
  /**
   * Gauss–Legendre nodes per axis over which each computed pixel's intensity is integrated (1–16; default 1,
   * the value at the pixel centre, as POPPY). n nodes cost n² detector MFTs and integrate the PSF over the
   * pixel's area (README: "Detectors, spectra and datacubes").
   */
  pixelIntegration?: number;
  /** Name, for headers. */
  name?: string;
}

/** A detector as a system holds it: fields of view resolved to `[ny, nx]` detector pixels. */
export interface DetectorPlane {
  kind: 'detector';
  pixelscale: number;
  fovPixels: [number, number];
  oversample: number;
  offsetX: number;
  offsetY: number;
  /** Degrees counter-clockwise. */
  rotation: number;
  /** Gauss–Legendre nodes per axis (1: pixel centres). */
  pixelIntegration: number;
  name: string;
}

const DETECTOR_KEYS = ['pixelscale', 'fovArcsec', 'fovPixels', 'oversample', 'offsetX', 'offsetY', 'rotation', 'pixelIntegration', 'name'];

/** Options of {@link OpticalSystem.addImage}. */
export interface ImagePlaneOptions {
  name?: string;
  /** This plane's propagation (default: the system's). */
  propagation?: Propagation;
  /** This plane's MFT box sampling, samples per λ/D (default: the system's). */
  maskSampling?: number;
  /** How this plane's MFT box holds its mask (default: the system's). */
  maskModel?: MaskModel;
  /** Where the options came from, for messages. */
  path?: string;
}

/** One plane of a system. */
export type Plane =
  | { kind: 'pupil'; optics: Optic[]; name: string }
  | { kind: 'image'; optics: Optic[]; name: string; propagation?: Propagation; maskSampling?: number; maskModel?: MaskModel }
  | DetectorPlane;

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
  /** Cancels the call: native lanes stop before their next wavelength, worker processes are killed. */
  signal?: AbortSignalLike;
  /** Threads per 2D FFT in FFT steps (default `config.fftThreads`). */
  fftThreads?: number;
  /** FFTW planner effort (default `config.fftwPlanner`). */
  planner?: FftwPlanner;
  /**
   * 'double' (float64) or 'single' (float32) fields, MFTs and FFTs; the PSF
   * is summed and returned in float64 either way (default: the system's
   * `precision`, else `config.precision`). Single precision is about twice as
   * fast and stays within about 1e-6 of the peak; it is not enough for deep
   * coronagraph contrast (below about 1e-8 of the unocculted peak; README,
   * "Single precision").
   */
  precision?: Precision;
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

/** The options calcPsf knows. */
export const CALL_KEYS: readonly (keyof CalcPsfOptions)[] = [
  'wavelength',
  'source',
  'normalize',
  'onProgress',
  'signal',
  'fftThreads',
  'planner',
  'precision',
  'returnIntermediates',
  'parallel',
  'useMultiprocessing',
  'nProcesses',
  'startMethod',
  'allowOversubscribe',
];

/** A calcPsf call, checked. */
interface Call {
  src: ResolvedSource;
  normalize: Normalize;
  fftThreads: number;
  planner: FftwPlanner;
  precision: Precision;
  capture: boolean;
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
  /** Image-plane propagation for planes that do not choose. */
  readonly propagation: Propagation;
  /** MFT box sampling (samples per λ/D) for planes that do not choose; undefined: by mask model. */
  readonly maskSampling: number | undefined;
  /** How MFT boxes hold their masks, for planes that do not choose. */
  readonly maskModel: MaskModel;
  /** How analytic shapes are sampled by default. */
  readonly conventions: Conventions;
  /** Planes in order. */
  readonly planes: Plane[] = [];
  /** Source used when `calcPsf` is given neither `wavelength` nor `source` (set by loadSystem). */
  defaultSource: WeightedSource | undefined;
  /** Normalisation used when `calcPsf` is not given one (set by loadSystem). */
  defaultNormalize: Normalize | undefined;
  /** Precision used when `calcPsf` is not given one, ahead of `config.precision` (set by loadSystem). */
  defaultPrecision: Precision | undefined;
  private compiled: (Compiled & { shared?: SharedSystem }) | undefined;
  /** The optics' versions the compiled form was built from. */
  private compiledVersions = '';
  /** Sampled pupil planes, reused while their optics are unchanged. */
  private readonly pupils: PupilCache = new Map();

  constructor(opts: OpticalSystemOptions = {}, path = 'OpticalSystem') {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${path} options must be an object, got ${show(opts)}`);
    this.npix = opts.npix === undefined ? 1024 : integer(`${path}.npix`, opts.npix, 2, 16384);
    this.oversample = opts.oversample === undefined ? 2 : integer(`${path}.oversample`, opts.oversample, 1, 64);
    this.pupilDiameter =
      opts.pupilDiameter === undefined
        ? undefined
        : finiteNumber(`${path}.pupilDiameter`, opts.pupilDiameter, { min: PUPIL_DIAMETER_RANGE[0], max: PUPIL_DIAMETER_RANGE[1] });
    this.name = opts.name ?? '';
    this.conventions = opts.conventions === undefined ? 'airy' : oneOf(`${path}.conventions`, opts.conventions, ['airy', 'poppy'] as const);
    // POPPY propagates image planes by the padded FFT.
    const propagationDefault = this.conventions === 'poppy' ? 'fft' : 'auto';
    this.propagation = opts.propagation === undefined ? propagationDefault : oneOf(`${path}.propagation`, opts.propagation, PROPAGATION);
    this.maskSampling = opts.maskSampling === undefined ? undefined : maskSampling(`${path}.maskSampling`, opts.maskSampling);
    this.maskModel = opts.maskModel === undefined ? 'auto' : oneOf(`${path}.maskModel`, opts.maskModel, MASK_MODEL);
  }

  private addOptics(kind: PlaneKind, optics: Optic | Optic[] | undefined, name: string | undefined, path: string, extra: object = {}): this {
    const list = optics === undefined ? [] : Array.isArray(optics) ? optics : [optics];
    list.forEach((o, i) => {
      if (!(o instanceof Optic)) throw new TypeError(`${path}[${i}] must be an optic, got ${show(o)}`);
      if (!o.planes.includes(kind)) {
        throw new RangeError(`${path}[${i}]: ${o.type} belongs in ${o.planes.join(' or ')} planes, not in a ${kind} plane`);
      }
    });
    this.planes.push({ kind, optics: list, name: name ?? '', ...extra } as Plane);
    this.changed();
    return this;
  }

  /** Adds a pupil plane holding `optics` (several multiply). */
  addPupil(optics?: Optic | Optic[], opts: { name?: string } = {}): this {
    return this.addOptics('pupil', optics, opts.name, `planes[${this.planes.length}].optics`);
  }

  /** Adds an image (focal) plane holding `optics` (masks, stops), propagated as `opts.propagation` says. */
  addImage(optics?: Optic | Optic[], opts: ImagePlaneOptions = {}): this {
    const path = opts.path ?? `planes[${this.planes.length}]`;
    const extra: { propagation?: Propagation; maskSampling?: number; maskModel?: MaskModel } = {};
    if (opts.propagation !== undefined) extra.propagation = oneOf(`${path}.propagation`, opts.propagation, PROPAGATION);
    if (opts.maskSampling !== undefined) extra.maskSampling = maskSampling(`${path}.maskSampling`, opts.maskSampling);
    if (opts.maskModel !== undefined) extra.maskModel = oneOf(`${path}.maskModel`, opts.maskModel, MASK_MODEL);
    return this.addOptics('image', optics, opts.name, `${path}.optics`, extra);
  }

  /** Adds the detector: the plane the PSF is computed on. */
  addDetector(opts: DetectorOptions, path = `planes[${this.planes.length}]`): this {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${path} must be { pixelscale, fovArcsec | fovPixels, oversample }, got ${show(opts)}`);
    knownKeys(`${path}.`, opts, DETECTOR_KEYS, 'a detector option');
    const pixelscale = finiteNumber(`${path}.pixelscale`, opts.pixelscale, { min: PIXELSCALE_RANGE[0], max: PIXELSCALE_RANGE[1] });
    if ((opts.fovArcsec === undefined) === (opts.fovPixels === undefined)) {
      throw new TypeError(`${path} needs exactly one of fovArcsec or fovPixels`);
    }
    const fovPixels =
      opts.fovPixels !== undefined
        ? pair(`${path}.fovPixels`, opts.fovPixels, (n, v) => integer(n, v, 1, 65536))
        : pair(`${path}.fovArcsec`, opts.fovArcsec, (n, v) => Math.max(1, Math.round(finiteNumber(n, v, { exclusiveMin: 0 }) / pixelscale)));
    const oversample = opts.oversample === undefined ? 1 : integer(`${path}.oversample`, opts.oversample, 1, 64);
    for (const [axis, side] of [
      ['y', fovPixels[0]],
      ['x', fovPixels[1]],
    ] as const) {
      if (side * oversample > MAX_DETECTOR_SIDE) {
        throw new RangeError(
          `${path}: fovPixels × oversample = ${side} × ${oversample} computed pixels along ${axis}; at most ${MAX_DETECTOR_SIDE} (${MAX_DETECTOR_SIDE}² doubles is 2 GiB)`,
        );
      }
    }
    const bounded = (name: 'offsetX' | 'offsetY' | 'rotation', max: number) =>
      opts[name] === undefined ? 0 : finiteNumber(`${path}.${name}`, opts[name], { min: -max, max });
    const maxOffset = PIXELSCALE_RANGE[1] * MAX_DETECTOR_SIDE;
    const placement = { offsetX: bounded('offsetX', maxOffset), offsetY: bounded('offsetY', maxOffset), rotation: bounded('rotation', 360) };
    const pixelIntegration = opts.pixelIntegration === undefined ? 1 : integer(`${path}.pixelIntegration`, opts.pixelIntegration, 1, 16);
    this.planes.push({ kind: 'detector', pixelscale, fovPixels, oversample, ...placement, pixelIntegration, name: opts.name ?? '' });
    this.changed();
    return this;
  }

  /** Checks the plane sequence; throws an error naming the problem. */
  validate(): void {
    const p = this.planes;
    if (!p.some((x) => x.kind === 'pupil')) throw new AiryError('the system has no pupil plane: add one with addPupil', 'ERR_AIRY_SYSTEM');
    if (p[0]!.kind !== 'pupil') {
      throw new AiryError(
        `planes[0] is a${p[0]!.kind === 'image' ? 'n image' : ' detector'} plane before the first pupil: a system starts with a pupil`,
        'ERR_AIRY_SYSTEM',
      );
    }
    const last = p[p.length - 1]!;
    if (last.kind !== 'detector') throw new AiryError('the system has no detector at the end: add one with addDetector', 'ERR_AIRY_SYSTEM');
    p.forEach((x, i) => {
      if (x.kind === 'detector' && i !== p.length - 1) throw new AiryError(`planes[${i}]: a detector must be the last plane`, 'ERR_AIRY_SYSTEM');
      if (i > 0 && x.kind === 'image' && p[i - 1]!.kind === 'image') {
        throw new AiryError(`planes[${i}]: two image planes in a row; put their optics in one plane`, 'ERR_AIRY_SYSTEM');
      }
      if (x.kind === 'detector' && p[i - 1]!.kind === 'image') {
        throw new AiryError(
          `planes[${i}]: a detector directly after an image plane is not supported; add a pupil plane (e.g. a Lyot stop) between them`,
          'ERR_AIRY_SYSTEM',
        );
      }
    });
  }

  /** Pupil diameter in metres: explicit, or the largest optic of the first pupil plane. */
  resolvedPupilDiameter(): number {
    if (this.pupilDiameter !== undefined) return this.pupilDiameter;
    const first = this.planes.find((x) => x.kind === 'pupil');
    const optics = first?.kind === 'pupil' ? first.optics : [];
    let d = 0;
    let from = -1;
    optics.forEach((o, i) => {
      const di = o.pupilDiameter();
      if (di !== undefined && !(di <= d)) [d, from] = [di, i];
    });
    if (from < 0)
      throw new AiryError('cannot tell the pupil diameter: the first pupil plane has no aperture; pass OpticalSystem({ pupilDiameter })', 'ERR_AIRY_SYSTEM');
    const [lo, hi] = PUPIL_DIAMETER_RANGE;
    if (!(d >= lo && d <= hi)) {
      const at = this.planes.indexOf(first!);
      throw new RangeError(`the pupil diameter ${show(d)} m from planes[${at}].optics[${from}] (${optics[from]!.type}) is outside [${lo}, ${hi}] m`);
    }
    return d;
  }

  /** The planes changed: the compiled form (and its copies in worker processes) is stale. */
  private changed(): void {
    this.release();
    this.compiled = undefined;
  }

  /** The versions of every optic, plane by plane: a change in one means the compiled form is stale. */
  private opticVersions(): string {
    return this.planes.map((p) => (p.kind === 'detector' ? '' : p.optics.map((o) => o.version).join(','))).join('|');
  }

  /** The system in native form, built once until the planes or an optic change (unchanged pupil planes are not re-sampled). */
  private compile(): Compiled & { shared?: SharedSystem } {
    const versions = this.opticVersions();
    if (this.compiled && this.compiledVersions === versions) return this.compiled;
    // An optic changed: a call still running keeps the old compiled form (its
    // workers' copy is dropped when that form is garbage-collected).
    this.compiled = undefined;
    this.validate();
    // Consecutive pupil planes are conjugate: their optics multiply.
    const merged: CompilePlane[] = [];
    for (const pl of this.planes) {
      const prev = merged[merged.length - 1];
      if (pl.kind === 'pupil' && prev?.kind === 'pupil') {
        merged[merged.length - 1] = { kind: 'pupil', optics: [...prev.optics, ...pl.optics], parts: [...(prev.parts ?? [prev.optics]), pl.optics] };
      } else merged.push(pl.kind === 'image' ? { ...pl, index: this.planes.indexOf(pl) } : pl);
    }
    this.compiled = compilePlanes(
      merged,
      this.npix,
      this.oversample,
      this.resolvedPupilDiameter(),
      {
        propagation: this.propagation,
        maskSampling: this.maskSampling,
        maskModel: this.maskModel,
        conventions: this.conventions,
      },
      this.pupils,
    );
    this.compiledVersions = versions;
    return this.compiled;
  }

  /** Sizes the memory model needs (compiles the system if necessary). */
  workloadShape(): WorkloadShape {
    return this.compile().shape;
  }

  private checkCall(opts: CalcPsfOptions): Call {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`calcPsf options must be an object, got ${show(opts)}`);
    knownKeys('calcPsf: ', opts, CALL_KEYS);
    if (opts.wavelength !== undefined && opts.source !== undefined)
      throw new TypeError('calcPsf needs exactly one of { wavelength } or { source: { wavelengths, weights } }');
    const source = opts.source ?? (opts.wavelength === undefined ? this.defaultSource : undefined);
    if (source === undefined && opts.wavelength === undefined)
      throw new TypeError('calcPsf needs exactly one of { wavelength } or { source: { wavelengths, weights } }');
    if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function')
      throw new TypeError(`onProgress must be a function, got ${show(opts.onProgress)}`);
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${show(opts.signal)}`);
    return {
      src: opts.wavelength !== undefined ? monochromatic(opts.wavelength) : resolveSource(source),
      normalize: opts.normalize === undefined ? (this.defaultNormalize ?? 'first') : oneOf('normalize', opts.normalize, NORMALIZE),
      fftThreads: resolve('fftThreads', opts.fftThreads, 'fftThreads'),
      planner: resolve('fftwPlanner', opts.planner, 'planner'),
      precision: resolve('precision', opts.precision ?? this.defaultPrecision, 'precision'),
      capture: opts.returnIntermediates === undefined ? false : bool('returnIntermediates', opts.returnIntermediates),
    };
  }

  /**
   * Computes the PSF on the detector for one wavelength or a weighted source
   * spectrum: PSF = Σ wᵢ·PSF(λᵢ) with weights renormalised to sum to 1,
   * wavelengths computed in native code (off the event loop) in the parallel
   * mode the options and config choose.
   */
  async calcPsf(opts: CalcPsfOptions = {}): Promise<Psf> {
    const run = await this.propagate(opts, (block, weights, pixels) => weightedSum(block, weights, pixels));
    const { c, r, plan, src } = run;
    return new Psf({
      data: r.value,
      shape: c.detector.shape,
      pixelscale: c.detector.pixelscale,
      oversample: c.detector.oversample,
      header: psfHeader(c, src, run, plan),
      timing: {
        rasterSeconds: run.wasCompiled ? 0 : c.rasterSeconds,
        kernelSeconds: r.kernelSeconds,
        nativeOtherSeconds: Math.max(0, r.nativeSeconds - r.kernelSeconds),
        totalSeconds: run.totalSeconds,
      },
      imagePlanes: c.imageMethods,
      intermediates: r.planes?.map((planes, i) => planes.map((p) => describePlane(c, p, src.wavelengths[i]!))),
      parallel: {
        mode: plan.mode,
        workers: plan.workers,
        startMethod: plan.startMethod,
        reason: plan.reason,
        ...(r.workerPeakRssBytes ? { workerPeakRssBytes: r.workerPeakRssBytes } : {}),
      },
    });
  }

  /**
   * One PSF per wavelength of the source (unweighted: each slice is the PSF
   * `calcPsf({ wavelength })` gives, bit for bit), as POPPY's
   * `calc_datacube`; the same options and parallel modes as calcPsf.
   */
  async calcDatacube(opts: CalcPsfOptions = {}): Promise<Datacube> {
    if (opts.returnIntermediates) throw new TypeError('calcDatacube does not return intermediates; use calcPsf');
    const run = await this.propagate(opts, (block) => Float64Array.from(block));
    const { c, r, plan, src } = run;
    const [ny, nx] = c.detector.shape;
    return new Datacube({
      data: r.value,
      shape: [src.wavelengths.length, ny, nx],
      wavelengths: src.wavelengths,
      pixelscale: c.detector.pixelscale,
      oversample: c.detector.oversample,
      header: psfHeader(c, src, run, plan),
    });
  }

  /** Propagates every wavelength of a call's source; `consume` reads the PSFs (wavelength i at i·pixels of the block). */
  private async propagate<T>(opts: CalcPsfOptions, consume: (block: Float64Array, weights: readonly number[], pixels: number) => T) {
    const t0 = performance.now();
    const call = this.checkCall(opts);
    if (opts.signal?.aborted) throw new AiryError('calcPsf was aborted', 'ABORT_ERR', { cause: opts.signal.reason });
    const wasCompiled = this.compiled !== undefined;
    const c = this.compile();
    const { src } = call;
    const nw = src.wavelengths.length;
    const plan = planParallel(opts, { ...c.shape, single: call.precision === 'single' }, nw, call.fftThreads, call.capture);
    // offsetTheta counts from +y; the detector's frame turns the field by c.turn.
    const theta = src.offsetTheta * (Math.PI / 180) + c.turn;
    const [tiltX, tiltY] = [-src.offsetR * Math.sin(theta), src.offsetR * Math.cos(theta)];
    const pixels = c.detector.shape[0] * c.detector.shape[1];
    let done = 0;
    const r = await runWaves(
      {
        handle: c.handle,
        shared: () => this.sharedSystem(c),
        waves: src.wavelengths.map((wavelength) => ({ wavelength, tiltX, tiltY })),
        pixels,
        run: { normalize: call.normalize, planner: call.planner, fftThreads: call.fftThreads, precision: call.precision },
        capture: call.capture,
        signal: opts.signal,
        onWave: (i) => opts.onProgress?.({ done: ++done, total: nw, wavelength: src.wavelengths[i]! }),
        consume: (block) => consume(block, src.weights, pixels),
      },
      plan,
    );
    return { c, r, plan, src, wasCompiled, normalize: call.normalize, precision: call.precision, totalSeconds: (performance.now() - t0) / 1e3 };
  }

  /** The compiled system published in shared memory for worker processes (once). */
  private sharedSystem(c: Compiled & { shared?: SharedSystem }): SharedSystem {
    if (!c.shared) {
      c.shared = shareSystem(c.desc);
      sharedRegistry.register(c, c.shared, c);
    }
    return c.shared;
  }

  /**
   * The system as JSON (`loadSystem` builds it back): options, planes with
   * their optics' parameters, detector, and the default source and
   * normalisation. Relative file paths in optics stay as given.
   */
  toJSON(): Record<string, unknown> {
    const planes = this.planes.map((p) => {
      if (p.kind === 'detector') {
        const { kind, pixelscale, fovPixels, oversample, offsetX, offsetY, rotation, pixelIntegration, name } = p;
        return { kind, pixelscale, fovPixels, oversample, offsetX, offsetY, rotation, pixelIntegration, ...(name ? { name } : {}) };
      }
      const { kind, name, optics, ...extra } = p;
      return { kind, ...(name ? { name } : {}), optics: optics.map((o) => o.toJSON()), ...extra };
    });
    const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    return defined({
      name: this.name || undefined,
      npix: this.npix,
      oversample: this.oversample,
      pupilDiameter: this.pupilDiameter,
      propagation: this.propagation,
      maskSampling: this.maskSampling,
      maskModel: this.maskModel,
      conventions: this.conventions,
      source: this.defaultSource,
      normalize: this.defaultNormalize,
      precision: this.defaultPrecision,
      planes,
    });
  }

  /**
   * Frees what this system keeps for later calls: native scratch buffers,
   * cached image-plane masks and the copies its worker processes hold (all
   * rebuilt on demand). Systems that are garbage-collected are released from
   * the workers automatically.
   */
  release(): void {
    const c = this.compiled;
    c?.handle.dropScratch();
    if (c?.shared) {
      unshareSystem(c.shared);
      sharedRegistry.unregister(c);
      c.shared = undefined;
    }
  }
}

// A compiled system shared with worker processes is dropped from them when
// the system is garbage-collected (FinalizationRegistry) or released.
const sharedRegistry = new FinalizationRegistry<SharedSystem>((s) => unshareSystem(s));

/** Σ wᵢ·PSFᵢ over PSFs stored one after another, always in wavelength order: every mode gives the same bits. */
/** Σ wᵢ·PSFᵢ over a block of PSFs (wavelength i at i·pixels); a non-finite sum is an error. */
export function weightedSum(block: Float64Array, weights: readonly number[], pixels: number): Float64Array {
  const out = new Float64Array(pixels);
  weights.forEach((w, i) => {
    const p = block.subarray(i * pixels, (i + 1) * pixels);
    for (let k = 0; k < pixels; k++) out[k] += w * p[k]!;
  });
  if (!out.every(Number.isFinite)) throw new AiryError('the weighted sum over wavelengths overflows (each PSF is finite)', 'ERR_AIRY_NONFINITE');
  return out;
}

function describePlane(
  c: Compiled,
  p: { kind: 'pupil' | 'image' | 'detector'; ny: number; nx: number; pixelscale?: number; field: Float64Array },
  lam: number,
): IntermediatePlane {
  const fftPixel = (lam / (c.padded * c.pupilScale)) * ARCSEC_PER_RAD;
  const pixelscale = p.kind === 'pupil' ? c.pupilScale : p.kind === 'image' ? (p.pixelscale ?? fftPixel) : c.detector.pixelscale;
  return { kind: p.kind, wavelength: lam, shape: [p.ny, p.nx], pixelscale, field: p.field };
}

/** A mask sampling: samples per λ/D, at least 1 (coarser cannot resolve a mask) and at most 1024. */
function maskSampling(path: string, v: unknown): number {
  return finiteNumber(path, v, { min: 1, max: 1024 });
}
