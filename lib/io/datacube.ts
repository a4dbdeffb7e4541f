/**
 * Spectral datacubes: one PSF per wavelength (`OpticalSystem.calcDatacube`),
 * written as POPPY's `calc_datacube` writes them: 3-D HDUs (OVERSAMP and
 * DET_SAMP), the wavelength of plane i in keyword WAVELNii (WVLNiiii from
 * 100 planes on).
 */
import { AiryError } from '../errors';
import { type FitsHeader, type FitsHdu, writeFitsImagesAsync } from './fits';
import { Psf, pixelscaleComment } from './psf';

/** POPPY's keyword for the wavelength of plane i of n. */
export function wavelengthKey(i: number, n: number): string {
  if (n > 10000) throw new RangeError(`a datacube holds at most 10000 wavelengths (FITS keywords have 8 characters), got ${n}`);
  return n < 100 ? `WAVELN${String(i).padStart(2, '0')}` : `WVLN${String(i).padStart(4, '0')}`;
}

/** A datacube of monochromatic PSFs. */
export class Datacube {
  /** Plane by plane, each row-major `[ny, nx]`. */
  readonly data: Float64Array;
  /** `[wavelengths, ny, nx]`. */
  readonly shape: [number, number, number];
  /** Metres, one per plane. */
  readonly wavelengths: readonly number[];
  /** Arcsec per pixel of the oversampled planes (metres for a Fresnel detector: header PIXUNIT 'm'). */
  readonly pixelscale: number;
  readonly oversample: number;
  readonly header: FitsHeader;

  constructor(init: {
    data: Float64Array;
    shape: [number, number, number];
    wavelengths: readonly number[];
    pixelscale: number;
    oversample: number;
    header: FitsHeader;
  }) {
    this.data = init.data;
    this.shape = init.shape;
    this.wavelengths = init.wavelengths;
    this.pixelscale = init.pixelscale;
    this.oversample = init.oversample;
    this.header = init.header;
  }

  /** `data` narrowed to a new Float32Array (half the memory). */
  float32(): Float32Array {
    return Float32Array.from(this.data);
  }

  /** Plane i as a PSF (oversampled, with its detector-sampled binning). */
  slice(i: number): Psf {
    const [nz, ny, nx] = this.shape;
    if (!Number.isInteger(i) || i < 0 || i >= nz) throw new RangeError(`slice index must be an integer in [0, ${nz}), got ${i}`);
    const data = this.data.slice(i * ny * nx, (i + 1) * ny * nx);
    const header = { ...this.header, NWAVES: 1, WAVELEN: this.wavelengths[i]!, WAVE0: this.wavelengths[i]!, WGHT0: 1 };
    return new Psf({ data, shape: [ny, nx], pixelscale: this.pixelscale, oversample: this.oversample, header });
  }

  /** Writes the cube: HDU 0 OVERSAMP `[wavelengths, ny, nx]`, HDU 1 DET_SAMP, atomically, with WAVELNii keywords. */
  async writeFits(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new TypeError(`path must be a file path, got ${JSON.stringify(path)}`);
    const [nz] = this.shape;
    const slices = Array.from({ length: nz }, (_, i) => this.slice(i));
    const det = slices.map((p) => p.detSampled);
    const detData = new Float64Array(det.reduce((n, d) => n + d.data.length, 0));
    for (const [i, d] of det.entries()) detData.set(d.data, i * d.data.length);
    const keys = Object.entries(this.header).filter(([k]) => !/^(WAVE\d+|WGHT\d+|PIXELSCL|EXTNAME)$/.test(k));
    const cards = (pixelscale: number): FitsHdu['cards'] => [
      ['PIXELSCL', pixelscale, pixelscaleComment(this.header)],
      ...keys.map(([k, v]) => [k, v] as [string, number | string | boolean]),
      ...this.wavelengths.map((w, i) => [wavelengthKey(i, nz), w, `Wavelength of plane ${i} in meters`] as [string, number, string]),
    ];
    if (!detData.every(Number.isFinite)) throw new AiryError('the detector-sampled cube overflows', 'ERR_AIRY_NONFINITE');
    await writeFitsImagesAsync(path, [
      { data: this.data, shape: this.shape, extname: 'OVERSAMP', cards: cards(this.pixelscale) },
      { data: detData, shape: [nz, det[0]!.shape[0], det[0]!.shape[1]], extname: 'DET_SAMP', cards: cards(det[0]!.pixelscale) },
    ]);
  }
}
