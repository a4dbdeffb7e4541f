/**
 * FresnelOpticalSystem: optics at planes separated by distances, propagated
 * by the Gaussian-beam Fresnel formalism of POPPY's FresnelOpticalSystem
 * (native/fresnel.h) on the same native batch as Fraunhofer systems, so every
 * parallel mode and the single-precision path apply.
 */
import { type Precision, resolve } from '../config';
import { AiryError } from '../errors';
import { native, type NativeLayer, type NativeSystemDesc, type NativeSystemHandle } from '../binding';
import { extentOf, outsideOf } from '../engine/compile';
import { CALL_KEYS as FRAUNHOFER_CALL_KEYS, type CalcPsfOptions, weightedSum } from '../engine/system';
import { monochromatic, type ResolvedSource, resolveSource, type Source } from '../engine/source';
import { Datacube } from '../io/datacube';
import { Psf } from '../io/psf';
import type { Conventions, Optic } from '../optics';
import { runWaves } from '../run';
import type { WorkloadShape } from '../run/memory';
import { planParallel } from '../run/plan';
import { type SharedSystem, shareSystem } from '../run/pool';
import { version } from '../version';
import { bool, finiteNumber, integer, knownKeys, oneOf, positiveNumber, show } from '../validate';
import { type BeamState, GaussianBeam } from './beam';
import { ConicLens, QuadraticLens } from './lenses';

/** A plane's powered optic: a thin lens, or a conic (a thin lens plus its departure from the paraboloid). */
export type FresnelLens = QuadraticLens | ConicLens;
const isLens = (o: unknown): o is FresnelLens => o instanceof QuadraticLens || o instanceof ConicLens;

const ARCSEC_PER_RAD = (180 / Math.PI) * 3600;

/** Options of a {@link FresnelOpticalSystem}. */
export interface FresnelSystemOptions {
  /** Radius of the entrance beam (the pupil's radius), metres. */
  beamRadius: number;
  /** Samples across the entrance beam's diameter; default 1024. */
  npix?: number;
  /** Array size over beam diameter (POPPY's 1 / beam_ratio); default 2. npix × oversample must be even. */
  oversample?: number;
  name?: string;
  /** How analytic shapes are sampled ('airy' anti-aliased, or POPPY's pixels); default 'airy'. */
  conventions?: Conventions;
  /**
   * Band-limit plane-to-plane steps to the spatial frequencies whose
   * transfer-function phase the array samples (Matsushima & Shimobaba 2009),
   * so that distances beyond N·dx²/λ converge with sampling instead of
   * aliasing; default false (POPPY's unlimited angular spectrum).
   */
  bandLimit?: boolean;
}

/** A Fresnel detector: a physical pixel pitch, or an angular one through the system's focal length (exactly one). */
export interface FresnelDetectorOptions {
  /** Pixel pitch, metres. */
  pixelSize?: number;
  /** Pixel pitch, arcsec: pixelSize = pixelscale × |effectiveFocalLength()| (the system must have a focal length). */
  pixelscale?: number;
  /** Pixels per side (a square detector). */
  fovPixels: number;
  /** Distance from the last plane, metres; default 0. */
  distance?: number;
}

/** Options of {@link FresnelOpticalSystem.calcPsf}. */
export interface FresnelCalcOptions
  extends Pick<
    CalcPsfOptions,
    'wavelength' | 'signal' | 'fftThreads' | 'planner' | 'precision' | 'parallel' | 'nProcesses' | 'startMethod' | 'allowOversubscribe'
  > {
  /** Wavelengths and weights (no offset: Fresnel systems are on axis). */
  source?: Source;
  /** 'first' (default: the field after the first plane holds unit intensity), 'last' (the PSF sums to 1) or 'none'. */
  normalize?: 'first' | 'last' | 'none';
  /** Called after each wavelength. */
  onProgress?: (p: { done: number; total: number; wavelength: number }) => void;
  /** Also return the field after every plane (centred, with its metres per pixel). */
  returnIntermediates?: boolean;
}

/** The fixed grid of `s` for `optics`: its size from their extent unless given. */
function mftGrid(s: MftSampling, optics: readonly Optic[]): Required<MftSampling> {
  if (s === null || typeof s !== 'object') throw new TypeError(`mftSampling must be an object { pixelSize, fovPixels? }, got ${show(s)}`);
  knownKeys('mftSampling: ', s, ['pixelSize', 'fovPixels']);
  const pixelSize = positiveNumber('mftSampling.pixelSize', s.pixelSize);
  if (optics.length === 0) throw new RangeError('mftSampling needs optics on the plane to sample');
  if (s.fovPixels !== undefined) return { pixelSize, fovPixels: integer('mftSampling.fovPixels', s.fovPixels, 1, 16384) };
  const extent = extentOf(optics);
  if (extent < 0) throw new RangeError('mftSampling needs fovPixels: the optics have no finite extent');
  const fovPixels = 2 * Math.ceil(extent / pixelSize) + 3;
  if (fovPixels > 16384)
    throw new RangeError(`mftSampling: the optics' extent ${extent} m needs ${fovPixels} samples of ${pixelSize} m per side (at most 16384)`);
  return { pixelSize, fovPixels };
}

/** calcPsf's options less POPPY's useMultiprocessing alias. */
const CALL_KEYS = FRAUNHOFER_CALL_KEYS.filter((k) => k !== 'useMultiprocessing');

/**
 * A fixed grid on which a plane's optics are sampled and applied by MFTs
 * through the field's angular spectrum: masks at a focus, finer than the
 * field's own sampling there (POPPY's FixedSamplingImagePlaneElement).
 */
export interface MftSampling {
  /** Pitch of the grid, metres. */
  pixelSize: number;
  /**
   * Samples per side; the axis on sample ⌊fovPixels/2⌋ (the centre of an odd
   * grid, as of an odd array optic). Default: odd, spanning the optics'
   * extent plus a sample of margin.
   */
  fovPixels?: number;
}

/** Options of {@link FresnelOpticalSystem.addOptic}. */
export interface FresnelPlaneOptions {
  /** Distance from the plane before, metres; default 0. */
  distance?: number;
  /** Sample the optics on this fixed grid and apply them by MFTs, instead of on the field's grid. */
  mftSampling?: MftSampling;
}

/** One plane: its distance from the plane before, its optics and an optional lens after them. */
export interface FresnelPlane {
  distance: number;
  optics: Optic[];
  lens?: FresnelLens;
  /** The fixed grid the optics are applied on (addOptic's mftSampling, its size resolved). */
  mft?: Required<MftSampling>;
}

interface Compiled {
  handle: NativeSystemHandle;
  desc: NativeSystemDesc;
  shape: WorkloadShape;
  shared?: SharedSystem;
}

/** The field after one plane of one wavelength (`returnIntermediates`). */
export interface FresnelIntermediate {
  /** Position along the axis, metres from the first plane. */
  z: number;
  /** Metres per pixel of `field`. */
  pixelSize: number;
  shape: [number, number];
  /** Interleaved complex, row-major, centred on the axis (pixel N/2). */
  field: Float64Array;
}

/**
 * Optics at planes separated by distances, propagated by Fresnel diffraction
 * with POPPY's Gaussian-beam formalism. Distances and sizes in metres.
 */
export class FresnelOpticalSystem {
  readonly beamRadius: number;
  readonly npix: number;
  readonly oversample: number;
  readonly name: string;
  readonly conventions: Conventions;
  readonly bandLimit: boolean;
  readonly planes: FresnelPlane[] = [];
  detector: { pixelSize: number; fovPixels: number; distance: number } | undefined;
  /** Source used when `calcPsf` is given neither `wavelength` nor `source` (set by loadFresnelSystem). */
  defaultSource: ResolvedSource | undefined;
  /** Normalisation used when `calcPsf` is not given one (set by loadFresnelSystem). */
  defaultNormalize: 'first' | 'last' | 'none' | undefined;
  private compiled: Compiled | undefined;

  constructor(opts: FresnelSystemOptions) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`FresnelOpticalSystem options must be an object, got ${show(opts)}`);
    knownKeys('FresnelOpticalSystem: ', opts, ['beamRadius', 'npix', 'oversample', 'name', 'conventions', 'bandLimit']);
    this.beamRadius = positiveNumber('beamRadius', opts.beamRadius);
    this.npix = opts.npix === undefined ? 1024 : integer('npix', opts.npix, 2, 16384);
    this.oversample = opts.oversample === undefined ? 2 : integer('oversample', opts.oversample, 1, 64);
    if ((this.npix * this.oversample) % 2 !== 0) throw new RangeError(`npix × oversample must be even, got ${this.npix} × ${this.oversample}`);
    this.name = opts.name ?? '';
    this.conventions = opts.conventions === undefined ? 'airy' : oneOf('conventions', opts.conventions, ['airy', 'poppy'] as const);
    this.bandLimit = opts.bandLimit === undefined ? false : bool('bandLimit', opts.bandLimit);
  }

  /**
   * Adds a plane `distance` metres after the one before (0 for the first):
   * optics, and optionally a lens applied after them. With `mftSampling` the
   * optics are sampled on that fixed grid (metres) and applied by MFTs, so
   * that a mask at a focus is resolved.
   */
  addOptic(optics: Optic | FresnelLens | (Optic | FresnelLens)[], opts: FresnelPlaneOptions = {}): this {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`addOptic options must be an object, got ${show(opts)}`);
    knownKeys('addOptic options: ', opts, ['distance', 'mftSampling']);
    const distance = opts.distance === undefined ? 0 : finiteNumber('distance', opts.distance);
    if (this.detector) throw new AiryError('the detector is the last plane: add optics before it', 'ERR_AIRY_SYSTEM');
    const list = Array.isArray(optics) ? optics : [optics];
    const lenses = list.filter(isLens);
    if (lenses.length > 1) throw new RangeError('a plane holds at most one lens (QuadraticLens or ConicLens)');
    const plain = list.filter((o): o is Optic => !isLens(o));
    if (opts.mftSampling !== undefined && lenses[0] instanceof ConicLens)
      throw new RangeError('a plane with mftSampling holds no ConicLens (its surface belongs on the field grid)');
    const mft = opts.mftSampling === undefined ? undefined : mftGrid(opts.mftSampling, plain);
    this.planes.push({ distance, optics: plain, lens: lenses[0], mft });
    this.compiled = undefined;
    return this;
  }

  /**
   * The detector, `distance` metres after the last plane, with a pitch in
   * metres (`pixelSize`) or in arcsec (`pixelscale`, through the system's
   * effective focal length).
   */
  addDetector(opts: FresnelDetectorOptions): this {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`addDetector options must be an object, got ${show(opts)}`);
    knownKeys('addDetector options: ', opts, ['pixelSize', 'pixelscale', 'fovPixels', 'distance']);
    if ((opts.pixelSize === undefined) === (opts.pixelscale === undefined))
      throw new TypeError('addDetector needs exactly one of pixelSize (metres) or pixelscale (arcsec)');
    this.detector = {
      pixelSize: opts.pixelSize !== undefined ? positiveNumber('pixelSize', opts.pixelSize) : this.pitchFor(positiveNumber('pixelscale', opts.pixelscale)),
      fovPixels: integer('fovPixels', opts.fovPixels, 1, 16384),
      distance: opts.distance === undefined ? 0 : finiteNumber('distance', opts.distance),
    };
    this.compiled = undefined;
    return this;
  }

  /** Metres per pixel of an angular pitch of `arcsec`. */
  private pitchFor(arcsec: number): number {
    const efl = this.effectiveFocalLength();
    if (!Number.isFinite(efl))
      throw new RangeError(`pixelscale ${arcsec} arcsec needs a system with a focal length; this one is afocal (give pixelSize in metres)`);
    return (arcsec / ARCSEC_PER_RAD) * Math.abs(efl);
  }

  /**
   * The effective focal length, metres: −1/C of the paraxial ray-transfer
   * matrix of the lenses and the distances between them (wavelength-free,
   * unlike the Gaussian beam's focal length in `beamAt`); Infinity when the
   * system is afocal or has no lens. A pitch p metres spans p/|EFL| radians.
   */
  effectiveFocalLength(): number {
    let [a, b, c, d] = [1, 0, 0, 1];
    let scale = 0;
    for (const p of this.planes) {
      [a, b] = [a + p.distance * c, b + p.distance * d];
      if (!p.lens) continue;
      const f = p.lens.focalLength;
      scale = Math.max(scale, Math.abs(f));
      [c, d] = [c - a / f, d - b / f];
    }
    return Math.abs(c) * scale < 1e-12 ? Number.POSITIVE_INFINITY : -1 / c;
  }

  /**
   * The Gaussian beam at every plane for one wavelength: position, waist,
   * planar or spherical, metres per pixel and focal length (the last entry
   * is the detector).
   */
  beamAt(wavelength: number): (BeamState & { name: string })[] {
    const beam = new GaussianBeam({
      radius: this.beamRadius,
      wavelength: positiveNumber('wavelength', wavelength),
      npix: this.npix,
      oversample: this.oversample,
    });
    const out: (BeamState & { name: string })[] = [];
    this.planes.forEach((p, i) => {
      beam.propagate(p.distance);
      if (p.lens) beam.lens(p.lens.focalLength);
      out.push({ name: p.lens?.name || p.optics[0]?.name || `plane ${i}`, ...beam.state() });
    });
    if (this.detector) {
      beam.propagate(this.detector.distance);
      out.push({ name: 'detector', ...beam.state() });
    }
    return out;
  }

  private compile(): Compiled {
    if (this.compiled) return this.compiled;
    if (this.planes.length === 0) throw new AiryError('a Fresnel system needs at least one plane (addOptic)', 'ERR_AIRY_SYSTEM');
    const det = this.detector;
    if (!det) throw new AiryError('a Fresnel system needs a detector (addDetector)', 'ERR_AIRY_SYSTEM');
    const N = this.npix * this.oversample;
    const desc: NativeSystemDesc & { fresnel: unknown } = {
      npix: this.npix,
      padded: N,
      pupilScale: (2 * this.beamRadius) / this.npix,
      steps: [{ kind: 'pupil' }, { kind: 'detector', npixY: det.fovPixels, npixX: det.fovPixels, pixelscale: det.pixelSize }],
      fresnel: {
        beamRadius: this.beamRadius,
        bandLimit: this.bandLimit,
        planes: this.planes.map((p) => {
          // A conic's clear aperture bounds the plane like any aperture.
          const bounds = p.lens instanceof ConicLens ? [...p.optics, p.lens.aperture] : p.optics;
          const conic = p.lens instanceof ConicLens ? p.lens.layers(this.conventions) : [];
          return {
            distance: p.distance,
            focalLength: p.lens?.focalLength ?? 0,
            layers: [...p.optics.flatMap((o): NativeLayer[] => o.layers(this.conventions)), ...conic],
            // Optics of finite extent are sampled on the window around them; beyond it they are `outside`.
            extent: extentOf(bounds),
            outside: outsideOf(bounds),
            mftN: p.mft?.fovPixels ?? 0,
            mftPixel: p.mft?.pixelSize ?? 0,
          };
        }),
        detectorDistance: det.distance,
        pixelSize: det.pixelSize,
      },
    };
    const handle = new (native().NativeSystem)(desc);
    const shape: WorkloadShape = { npix: this.npix, padded: N, detector: det.fovPixels, fft: true, pupilGrid: false, mftInput: N, systemBytes: 0, opd: true };
    const grids = this.planes.map((p) => p.mft?.fovPixels ?? 0);
    if (Math.max(...grids) > 0) shape.mftGrid = Math.max(...grids);
    this.compiled = { handle, desc, shape };
    return this.compiled;
  }

  /** Computes the detector intensity for one wavelength or a weighted source, PSF = Σ wᵢ·PSF(λᵢ). */
  async calcPsf(opts: FresnelCalcOptions = {}): Promise<Psf & { fresnelIntermediates?: FresnelIntermediate[][] }> {
    const run = await this.propagate(opts, 'calcPsf', (block, weights, pixels) => weightedSum(block, weights, pixels));
    const { r, src, plan } = run;
    const det = this.detector!;
    const psf = new Psf({
      data: r.value,
      shape: [det.fovPixels, det.fovPixels],
      pixelscale: det.pixelSize,
      oversample: 1,
      header: this.header(src, run.normalize, run.precision, plan.mode, run.seconds),
      timing: {
        rasterSeconds: 0,
        kernelSeconds: r.kernelSeconds,
        nativeOtherSeconds: Math.max(0, r.nativeSeconds - r.kernelSeconds),
        totalSeconds: run.seconds,
      },
      parallel: { mode: plan.mode, workers: plan.workers, startMethod: plan.startMethod, reason: plan.reason },
    });
    if (!r.planes) return psf;
    const intermediates = r.planes.map((planes, w) => {
      const beam = this.beamAt(src.wavelengths[w]!);
      return planes.map((p, i) => ({ z: beam[i]!.z, pixelSize: p.pixelscale ?? 0, shape: [p.ny, p.nx] as [number, number], field: p.field }));
    });
    return Object.assign(psf, { fresnelIntermediates: intermediates });
  }

  /** One detector intensity per wavelength (unweighted), as a cube whose pixel pitch is in metres. */
  async calcDatacube(opts: Omit<FresnelCalcOptions, 'returnIntermediates'> = {}): Promise<Datacube> {
    if (opts !== null && typeof opts === 'object' && 'returnIntermediates' in opts)
      throw new TypeError('calcDatacube does not return intermediates; use calcPsf');
    const run = await this.propagate(opts, 'calcDatacube', (block) => Float64Array.from(block));
    const { r, src, plan } = run;
    const det = this.detector!;
    return new Datacube({
      data: r.value,
      shape: [src.wavelengths.length, det.fovPixels, det.fovPixels],
      wavelengths: src.wavelengths,
      pixelscale: det.pixelSize,
      oversample: 1,
      header: this.header(src, run.normalize, run.precision, plan.mode, run.seconds),
    });
  }

  /** Checks a call's options and propagates every wavelength of its source; `consume` reads the intensities (wavelength i at i·pixels). */
  private async propagate<T>(opts: FresnelCalcOptions, what: string, consume: (block: Float64Array, weights: readonly number[], pixels: number) => T) {
    const t0 = performance.now();
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${what} options must be an object, got ${show(opts)}`);
    knownKeys(`${what}: `, opts, CALL_KEYS);
    const src = this.sourceOf(opts);
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${show(opts.signal)}`);
    const normalize =
      opts.normalize === undefined ? (this.defaultNormalize ?? 'first') : oneOf('normalize', opts.normalize, ['first', 'last', 'none'] as const);
    const precision = resolve('precision', opts.precision, 'precision');
    const fftThreads = resolve('fftThreads', opts.fftThreads, 'fftThreads');
    const capture = opts.returnIntermediates === undefined ? false : bool('returnIntermediates', opts.returnIntermediates);
    const c = this.compile();
    const det = this.detector!;
    const pixels = det.fovPixels * det.fovPixels;
    const plan = planParallel(opts, { ...c.shape, single: precision === 'single' }, src.wavelengths.length, fftThreads, capture);
    let done = 0;
    const r = await runWaves(
      {
        handle: c.handle,
        shared: () => {
          c.shared ??= shareSystem(c.desc);
          return c.shared;
        },
        waves: src.wavelengths.map((wavelength) => ({ wavelength, tiltX: 0, tiltY: 0 })),
        pixels,
        run: { normalize, planner: resolve('fftwPlanner', opts.planner, 'planner'), fftThreads, precision },
        capture,
        signal: opts.signal,
        onWave: (i) => opts.onProgress?.({ done: ++done, total: src.wavelengths.length, wavelength: src.wavelengths[i]! }),
        consume: (block) => consume(block, src.weights, pixels),
      },
      plan,
    );
    return { r, src, plan, normalize, precision, seconds: (performance.now() - t0) / 1e3 };
  }

  private sourceOf(opts: FresnelCalcOptions): ResolvedSource {
    if (opts.wavelength !== undefined && opts.source !== undefined)
      throw new TypeError('calcPsf needs exactly one of { wavelength } or { source: { wavelengths, weights } }');
    const src = opts.wavelength !== undefined ? monochromatic(opts.wavelength) : opts.source !== undefined ? resolveSource(opts.source) : this.defaultSource;
    if (!src) throw new TypeError('calcPsf needs exactly one of { wavelength } or { source: { wavelengths, weights } }');
    if (src.offsetR !== 0) throw new RangeError(`a Fresnel system takes no source offset, got offsetR ${src.offsetR}`);
    return src;
  }

  /** POPPY's keywords, the planes' distances and focal lengths, and what ran. */
  private header(src: ResolvedSource, normalize: string, precision: Precision, mode: string, seconds: number): Record<string, number | string | boolean> {
    const det = this.detector!;
    const meanLam = src.wavelengths.reduce((a, l, i) => a + l * src.weights[i]!, 0);
    const h: Record<string, number | string | boolean> = {
      PIXELSCL: det.pixelSize,
      PIXUNIT: 'm',
      OVERSAMP: 1,
      DET_SAMP: 1,
      WAVELEN: meanLam,
      NWAVES: src.wavelengths.length,
    };
    src.wavelengths.forEach((l, i) => {
      h[`WAVE${i}`] = l;
      h[`WGHT${i}`] = src.weights[i]!;
    });
    h.PROPAGAT = 'fresnel';
    h.BANDLIM = this.bandLimit;
    h.BEAMRAD = this.beamRadius;
    h.NPIX = this.npix;
    h.FFTPAD = this.npix * this.oversample;
    this.planes.forEach((p, i) => {
      h[`DIST${i}`] = p.distance;
      if (p.lens) h[`FL${i}`] = p.lens.focalLength;
      if (p.lens instanceof ConicLens) h[`CONIC${i}`] = p.lens.conic;
      if (p.mft) Object.assign(h, { [`MFTPIX${i}`]: p.mft.pixelSize, [`MFTN${i}`]: p.mft.fovPixels });
    });
    h.DETDIST = det.distance;
    const efl = this.effectiveFocalLength();
    if (Number.isFinite(efl)) Object.assign(h, { EFL: efl, ANGPIXSC: (det.pixelSize / Math.abs(efl)) * ARCSEC_PER_RAD });
    return Object.assign(h, { NORMALIZ: normalize, PRECISION: precision, PARALLEL: mode, CALCTIME: seconds, ORIGIN: `airy ${version}` });
  }
}
