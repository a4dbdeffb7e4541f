/**
 * Point-spread functions: the result of `OpticalSystem.calcPsf`, with FITS
 * output in POPPY's layout (HDU 0 `OVERSAMP`, HDU 1 `DET_SAMP`) and keywords.
 */
import type { ImagePlaneMethod } from '../engine/system';
import { type FitsHdu, type FitsHeader, readFitsImage, writeFitsImages, writeFitsImagesAsync } from './fits';
import { psfToPng, type PictureOptions } from './picture';
import { AiryError } from '../errors';
import { convolve3x3, gaussianBlur, ipcKernel, jitter } from '../analysis/detector';
import {
  type Centroid,
  type CentroidOptions,
  centroid,
  contrastCurve,
  type ContrastCurve,
  difference,
  type EeOptions,
  encircledEnergy,
  type FwhmOptions,
  fwhm,
  type RadialProfile,
  radialProfile,
  radiusAtEe,
  sharpness,
  strehl,
} from '../analysis';
import { finiteNumber, knownKeys } from '../validate';

/** A sampled image: row-major intensities, axis 0 = y. */
export interface PsfImage {
  data: Float64Array;
  /** `[ny, nx]`. */
  shape: [number, number];
  /** Arcsec per pixel. */
  pixelscale: number;
}

/** Time spent in one `calcPsf`, seconds. */
export interface PsfTiming {
  /** Rasterising optics (pupil arrays once, image-plane masks per wavelength). */
  rasterSeconds: number;
  /** MFT and FFT kernels. */
  kernelSeconds: number;
  /** Everything else in native propagation (masks, padding, |.|², sums). */
  nativeOtherSeconds: number;
  /** Wall time of the whole call. */
  totalSeconds: number;
}

/** The complex field at one plane of one wavelength (`returnIntermediates`). */
export interface IntermediatePlane {
  kind: 'pupil' | 'image' | 'detector';
  /** Wavelength, metres. */
  wavelength: number;
  /** `[ny, nx]`. */
  shape: [number, number];
  /** Metres per pixel (pupil) or arcsec per pixel (image, detector). */
  pixelscale: number;
  /** Interleaved (re, im), row-major; |field|² is on the PSF's intensity scale at the detector. */
  field: Float64Array;
}

/** How a PSF's wavelengths were computed. */
export interface PsfParallel {
  mode: string;
  workers: number;
  startMethod: string;
  reason: string;
  /** Largest peak resident memory of a worker process (spawn mode), bytes. */
  workerPeakRssBytes?: number;
}

/** Detector effects (see {@link Psf.withDetectorEffects}). */
export interface DetectorEffects {
  /** Gaussian pointing jitter, sigma per axis in arcsec: part of the ideal PSF (HDUs 0 and 1), as in WebbPSF. */
  jitter?: { sigma: number };
  /** Charge diffusion: a Gaussian, sigma in detector pixels (OVERDIST, DET_DIST). */
  chargeDiffusion?: { sigma: number };
  /** Inter-pixel capacitance on detector pixels (DET_DIST): `alpha` to each of the four neighbours, or a 3 × 3 kernel. */
  ipc?: { alpha?: number; kernel?: number[][] };
}

/** A computed PSF. */
export class Psf {
  /** Oversampled PSF (HDU 0), intensities. */
  readonly data: Float64Array;
  /** `[ny, nx]` of `data`. */
  readonly shape: [number, number];
  /** Arcsec per pixel of `data`. */
  readonly pixelscale: number;
  /** Detector oversampling factor. */
  readonly oversample: number;
  /** `data` binned by `oversample` (sum of each block): the detector-sampled PSF (HDU 1). */
  readonly detSampled: PsfImage;
  /** FITS keywords (POPPY's plus provenance). */
  readonly header: FitsHeader;
  /** Timing split of the computation (absent for a PSF read from a file). */
  readonly timing?: PsfTiming;
  /** With `returnIntermediates`: per wavelength, the field at every plane in order. */
  readonly intermediates?: IntermediatePlane[][];
  /** How each image plane was propagated (method, mask sampling, why). */
  readonly imagePlanes?: ImagePlaneMethod[];
  /** How the wavelengths were spread (mode, workers, and why); spawn workers also report their peak RSS. */
  readonly parallel?: PsfParallel;
  /** With detector effects: the distorted PSF, oversampled (OVERDIST) and detector-sampled (DET_DIST). */
  readonly distorted?: { oversampled: PsfImage; detector: PsfImage };

  constructor(init: {
    data: Float64Array;
    shape: [number, number];
    pixelscale: number;
    oversample: number;
    header: FitsHeader;
    timing?: PsfTiming;
    detSampled?: PsfImage;
    intermediates?: IntermediatePlane[][];
    parallel?: PsfParallel;
    imagePlanes?: ImagePlaneMethod[];
    distorted?: { oversampled: PsfImage; detector: PsfImage };
  }) {
    this.distorted = init.distorted;
    this.imagePlanes = init.imagePlanes;
    this.intermediates = init.intermediates;
    this.parallel = init.parallel;
    this.data = init.data;
    this.shape = init.shape;
    this.pixelscale = init.pixelscale;
    this.oversample = init.oversample;
    this.header = init.header;
    this.timing = init.timing;
    this.detSampled = init.detSampled ?? binImage(init.data, init.shape, init.oversample, init.pixelscale);
  }

  /** Sum of all pixels of `data`. */
  total(): number {
    let s = 0;
    for (const v of this.data) s += v;
    return s;
  }

  /** Largest pixel of `data`. */
  peak(): number {
    let m = -Infinity;
    for (const v of this.data) if (v > m) m = v;
    return m;
  }

  /**
   * `data` (or, with 'detector', the detector-sampled image) narrowed to a
   * new Float32Array: half the memory, for callers that keep single
   * precision downstream. Values below about 1e-38 become 0.
   */
  float32(which: 'oversampled' | 'detector' = 'oversampled'): Float32Array {
    if (which !== 'oversampled' && which !== 'detector') throw new RangeError(`which must be 'oversampled' or 'detector', got ${JSON.stringify(which)}`);
    return Float32Array.from(which === 'detector' ? this.detSampled.data : this.data);
  }

  /** The oversampled image (HDU 0) as analysis takes it. */
  image(): PsfImage {
    return { data: this.data, shape: this.shape, pixelscale: this.pixelscale };
  }

  /** Mean, spread and encircled energy in rings (binWidth arcsec); see {@link radialProfile}. */
  radialProfile(options: EeOptions & { binWidth?: number } = {}): RadialProfile {
    return radialProfile(this.image(), options);
  }

  /** Fraction of the total flux inside each radius (arcsec); see {@link encircledEnergy}. */
  encircledEnergy(radii: number | readonly number[], options: EeOptions = {}): Float64Array {
    return encircledEnergy(this.image(), radii, options);
  }

  /** Radius (arcsec) enclosing `fraction` of the flux; see {@link radiusAtEe}. */
  radiusAtEe(fraction: number, options: EeOptions = {}): number {
    return radiusAtEe(this.image(), fraction, options);
  }

  /** Full width at half maximum, arcsec; see {@link fwhm}. */
  fwhm(options: FwhmOptions = {}): number {
    return fwhm(this.image(), options);
  }

  /** Centroid, pixels and arcsec from the centre; see {@link centroid}. */
  centroid(options: CentroidOptions = {}): Centroid {
    return centroid(this.image(), options);
  }

  /** Peak over the reference PSF's peak (the aberration-free system at the same sampling). */
  strehl(reference: Psf): number {
    return strehl(this.image(), reference.image());
  }

  /** Σ p², p normalised to sum 1. */
  sharpness(): number {
    return sharpness(this.image());
  }

  /** Rings normalised to the off-axis peak; see {@link contrastCurve}. */
  contrastCurve(options: { offAxisPeak: number; binWidth?: number; center?: [number, number] }): ContrastCurve {
    return contrastCurve(this.image(), options);
  }

  /** This PSF minus another of the same sampling, with its largest absolute value and RMS. */
  difference(other: Psf): { data: Float64Array; maxAbs: number; rms: number } {
    return difference(this.image(), other.image());
  }

  /**
   * This PSF as a detector records it, in WebbPSF's layout: jitter blurs the
   * ideal PSF (HDUs 0 and 1); charge diffusion and IPC make the distorted
   * versions (OVERDIST, DET_DIST; IPC acts on detector pixels only). The
   * header names what was applied. Flux is conserved to rounding.
   */
  withDetectorEffects(effects: DetectorEffects): Psf {
    knownKeys('effects.', effects ?? {}, ['jitter', 'chargeDiffusion', 'ipc']);
    const header: FitsHeader = { ...this.header };
    let ideal = this.image();
    if (effects.jitter) {
      ideal = jitter(ideal, effects.jitter.sigma);
      Object.assign(header, { JITRTYPE: 'Gaussian', JITRSIGM: effects.jitter.sigma });
    }
    const diffusion = effects.chargeDiffusion ? finiteNumber('chargeDiffusion.sigma', effects.chargeDiffusion.sigma, { min: 0 }) : 0;
    const overdist = gaussianBlur(ideal, diffusion * this.oversample);
    let detDist = binImage(overdist.data, overdist.shape, this.oversample, overdist.pixelscale);
    if (diffusion > 0) header.CHDFSIGM = diffusion;
    if (effects.ipc) {
      const kernel = ipcKernel(effects.ipc);
      detDist = convolve3x3(detDist, kernel);
      header.IPCKERN = kernel
        .flat()
        .map((v) => v.toPrecision(6))
        .join(' ');
    }
    return new Psf({ ...this, data: ideal.data, header, detSampled: undefined, distorted: { oversampled: overdist, detector: detDist } });
  }

  /**
   * Writes the PSF as FITS through CFITSIO: HDU 0 `OVERSAMP`, HDU 1
   * `DET_SAMP`, with the header keywords; atomic (temporary file, rename).
   */
  async writeFits(path: string): Promise<void> {
    await writeFitsImagesAsync(path, this.fitsHdus(path));
  }

  /**
   * Draws the PSF as a PNG: logarithmic stretch (`decades` below the peak,
   * default 6), viridis colour map, axes in arcsec, a colour bar, and a
   * title with the wavelength(s) and normalisation.
   * @param which 'oversampled' (HDU 0, default) or 'detector' (HDU 1)
   */
  async toPng(path: string, options: PictureOptions & { which?: 'oversampled' | 'detector' } = {}): Promise<void> {
    knownKeys('options.', options, ['decades', 'max', 'title', 'subtitle', 'size', 'scale', 'stretch', 'axisUnit', 'colourTitle', 'which']);
    const img = options.which === 'detector' ? this.detSampled : { data: this.data, shape: this.shape, pixelscale: this.pixelscale };
    // A pitch in metres (a Fresnel detector: PIXUNIT 'm') is drawn in µm.
    const metres = this.header.PIXUNIT === 'm';
    const drawn = metres ? { ...img, pixelscale: img.pixelscale * 1e6 } : img;
    await psfToPng(path, drawn, options.title ?? this.describe(), { ...(metres ? { axisUnit: 'µm' } : {}), ...options });
  }

  /** A one-line description: wavelength(s) and normalisation. */
  describe(): string {
    const n = typeof this.header.NWAVES === 'number' ? this.header.NWAVES : 1;
    const um = (v: unknown) => (typeof v === 'number' ? `${(v * 1e6).toPrecision(4)} µm` : '?');
    const lam =
      n <= 1
        ? `λ = ${um(this.header.WAVE0 ?? this.header.WAVELEN)}`
        : `${n} wavelengths, ${um(this.header.WAVE0)} – ${um(this.header[`WAVE${n - 1}`])} (mean ${um(this.header.WAVELEN)})`;
    const norm = this.header.NORMALIZ ? `, normalize '${this.header.NORMALIZ}'` : '';
    return `PSF: ${lam}${norm}`;
  }

  /** Synchronous {@link writeFits}. */
  writeFitsSync(path: string): void {
    writeFitsImages(path, this.fitsHdus(path));
  }

  private fitsHdus(path: string): FitsHdu[] {
    if (typeof path !== 'string' || path === '') throw new TypeError(`path must be a file path, got ${JSON.stringify(path)}`);
    const cards = (pixelscale: number) => {
      const c: [string, number | string | boolean, string?][] = [];
      for (const [k, v] of Object.entries(this.header)) {
        if (k === 'PIXELSCL' || k === 'EXTNAME') continue;
        c.push([k, v, HEADER_COMMENTS[k]]);
      }
      c.unshift(['PIXELSCL', pixelscale, pixelscaleComment(this.header)]);
      return c;
    };
    const hdus: FitsHdu[] = [
      { data: this.data, shape: this.shape, extname: 'OVERSAMP', cards: cards(this.pixelscale) },
      { data: this.detSampled.data, shape: this.detSampled.shape, extname: 'DET_SAMP', cards: cards(this.detSampled.pixelscale) },
    ];
    const d = this.distorted;
    if (d) {
      hdus.push({ data: d.oversampled.data, shape: d.oversampled.shape, extname: 'OVERDIST', cards: cards(d.oversampled.pixelscale) });
      hdus.push({ data: d.detector.data, shape: d.detector.shape, extname: 'DET_DIST', cards: cards(d.detector.pixelscale) });
    }
    return hdus;
  }
}

/** PIXELSCL's comment: arcsec per pixel, or metres for a Fresnel detector (PIXUNIT 'm'). */
export function pixelscaleComment(header: FitsHeader): string {
  return header.PIXUNIT === 'm' ? 'Pixel scale in meters/pixel' : 'Pixel scale in arcsec/pixel';
}

const HEADER_COMMENTS: Record<string, string> = {
  OVERSAMP: 'Oversampling factor of HDU 0 vs detector pixels',
  DET_SAMP: 'Oversampling factor for MFT to detector plane',
  WAVELEN: 'Weighted mean wavelength in meters',
  NWAVES: 'Number of wavelengths used in calculation',
  NORMALIZ: 'PSF normalization method',
  DIFFLMT: 'Diffraction limit lambda/D in arcsec',
  FOV: 'Field of view in arcsec (full array)',
  BLAS: 'BLAS vendor, version and kernel',
  FFTWVER: 'FFTW version',
  PARALLEL: 'Parallel mode and workers',
  PRECISION: 'Floating-point precision of the kernels',
  CALCTIME: 'Calculation time in seconds',
  ORIGIN: 'Software that computed this PSF',
  PUPLDIAM: 'Pupil diameter in meters',
  NPIX: 'Pupil array size in pixels',
  JITRTYPE: 'Type of jitter applied',
  JITRSIGM: 'Gaussian jitter sigma per axis in arcsec',
  CHDFSIGM: 'Charge diffusion sigma in detector pixels',
  IPCKERN: 'IPC kernel (3x3, row-major) on detector pixels',
};

/** Sums `oversample`×`oversample` blocks (the detector-sampled PSF). */
export function binImage(data: Float64Array, shape: [number, number], oversample: number, pixelscale: number): PsfImage {
  const [ny, nx] = shape;
  const by = Math.floor(ny / oversample);
  const bx = Math.floor(nx / oversample);
  const out = new Float64Array(by * bx);
  for (let i = 0; i < by * oversample; i++) {
    const oi = Math.floor(i / oversample) * bx;
    for (let j = 0; j < bx * oversample; j++) out[oi + Math.floor(j / oversample)] += data[i * nx + j]!;
  }
  if (!out.every(Number.isFinite)) throw new AiryError(`binning by ${oversample} overflows: the image holds values too large to sum`, 'ERR_AIRY_NONFINITE');
  return { data: out, shape: [by, bx], pixelscale: pixelscale * oversample };
}

/**
 * Reads a PSF written by {@link Psf.writeFits} (or by POPPY: HDU 0 the
 * oversampled PSF with PIXELSCL and OVERSAMP, optional HDU 1 DET_SAMP).
 * @throws AiryError `ERR_AIRY_FITS` for a missing, unreadable or non-2D file
 */
export function readFits(path: string): Psf {
  const hdu0 = readFitsImage(path, 'path', 0);
  const pixelscale = hdu0.header.PIXELSCL;
  if (typeof pixelscale !== 'number') throw new AiryError(`path: ${path} has no numeric PIXELSCL keyword in HDU 0`, 'ERR_AIRY_FITS');
  const os = hdu0.header.OVERSAMP ?? hdu0.header.DET_SAMP ?? 1;
  const oversample = typeof os === 'number' && os >= 1 ? Math.round(os) : 1;
  let det: PsfImage | undefined;
  try {
    const hdu1 = readFitsImage(path, 'path', 1);
    const ps = hdu1.header.PIXELSCL;
    det = { data: hdu1.data, shape: hdu1.shape, pixelscale: typeof ps === 'number' ? ps : pixelscale * oversample };
  } catch {
    det = undefined;
  }
  return new Psf({ data: hdu0.data, shape: hdu0.shape, pixelscale, oversample, header: hdu0.header, detSampled: det });
}
