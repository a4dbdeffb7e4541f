/** FITS files through CFITSIO. */
import * as fs from 'node:fs';
import { native } from '../binding';
import type { NativeFitsCard, NativeFitsImage } from '../binding';
import { AiryError, rethrowNative } from '../errors';
import { checkOutputFile, openRegularFile } from './files';

/** The linked CFITSIO library's version, e.g. `4.2`. */
export function cfitsioVersion(): string {
  return native().cfitsioVersion();
}

/** Header keywords of one HDU: value by keyword. */
export type FitsHeader = Record<string, number | string | boolean>;

/** A 2D image read from a FITS file. */
export interface FitsImage {
  /** Row-major pixels, axis 0 = y. */
  data: Float64Array;
  /** `[ny, nx]`. */
  shape: [number, number];
  /** Keywords other than the structural ones. */
  header: FitsHeader;
  /** Comments by keyword. */
  comments: Record<string, string>;
  /** EXTNAME, if any. */
  extname: string;
}

/**
 * Reads HDU `hdu` (0 = primary) of a FITS file as a 2D image.
 * @param argName how the caller names the file in error messages
 * @throws AiryError `ERR_AIRY_FITS` if the file is missing, unreadable or not a 2D image
 */
export function readFitsImage(path: string, argName = 'path', hdu = 0): FitsImage {
  const { nz, ...img } = readHdu(path, argName, hdu);
  if (nz > 1) {
    throw new AiryError(`${argName}: HDU ${hdu} of ${path} is a cube of ${nz} planes; a 2D image is required`, 'ERR_AIRY_FITS');
  }
  return img;
}

/** A 3D cube read from a FITS file (a 2D image reads as a cube of one plane). */
export interface FitsCube extends Omit<FitsImage, 'shape'> {
  /** `[nz, ny, nx]`; `data` holds the planes one after the other. */
  shape: [number, number, number];
}

/**
 * Reads HDU `hdu` (0 = primary) of a FITS file as a cube, such as a datacube of
 * `OpticalSystem.calcDatacube`.
 * @throws AiryError `ERR_AIRY_FITS` if the file is missing, unreadable or holds more than 3 axes
 */
export function readFitsCube(path: string, argName = 'path', hdu = 0): FitsCube {
  const { nz, shape, ...img } = readHdu(path, argName, hdu);
  return { ...img, shape: [nz, shape[0], shape[1]] };
}

function readHdu(path: string, argName: string, hdu: number): FitsImage & { nz: number } {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${argName} must be a file path, got ${JSON.stringify(path)}`);
  if (!fs.existsSync(path)) throw new AiryError(`${argName}: FITS file ${path} does not exist`, 'ERR_AIRY_FITS');
  fs.closeSync(openRegularFile(path, `${argName}: FITS file`, 'ERR_AIRY_FITS'));
  let img: NativeFitsImage;
  try {
    img = native().fitsRead(path, hdu);
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === 'ERR_AIRY_FITS') {
      throw new AiryError(`${argName}: ${e.message}`, 'ERR_AIRY_FITS', { cause: e });
    }
    rethrowNative(e);
  }
  const header: FitsHeader = {};
  const comments: Record<string, string> = {};
  for (const c of img.cards) {
    header[c.key] = c.value;
    if (c.comment) comments[c.key] = c.comment;
  }
  return { data: img.data, shape: [img.ny, img.nx], nz: img.nz ?? 1, header, comments, extname: img.extname ?? '' };
}

/** One image HDU to write: an image `[ny, nx]` or a cube `[nz, ny, nx]` (plane by plane). */
export interface FitsHdu {
  data: Float64Array;
  shape: [number, number] | [number, number, number];
  extname?: string;
  /** Keywords in order: [key, value, comment?]. Keys over 8 characters are written with the HIERARCH convention. */
  cards: [string, number | string | boolean, string?][];
}

function nativeHdus(hdus: FitsHdu[]) {
  return hdus.map((h) => ({
    data: h.data,
    ...(h.shape.length === 3 ? { nz: h.shape[0], ny: h.shape[1], nx: h.shape[2] } : { ny: h.shape[0], nx: h.shape[1] }),
    extname: h.extname ?? '',
    cards: h.cards.map(([key, value, comment]): NativeFitsCard => ({ key, value, comment: comment ?? '' })),
  }));
}

/** Writes HDUs (primary first) atomically, with checksums. Blocks the event loop; see {@link writeFitsImagesAsync}. */
export function writeFitsImages(path: string, hdus: FitsHdu[]): void {
  checkOutputFile(path, 'FITS file', 'ERR_AIRY_FITS');
  try {
    native().fitsWriteSync(path, nativeHdus(hdus));
  } catch (e) {
    rethrowNative(e);
  }
}

/** {@link writeFitsImages} off the event loop. */
export async function writeFitsImagesAsync(path: string, hdus: FitsHdu[]): Promise<void> {
  checkOutputFile(path, 'FITS file', 'ERR_AIRY_FITS');
  try {
    await native().fitsWrite(path, nativeHdus(hdus));
  } catch (e) {
    rethrowNative(e);
  }
}

/**
 * CFITSIO's checksum verification of every HDU of a file: `true` when both
 * DATASUM and CHECKSUM are present and match.
 */
export function verifyFitsChecksums(path: string): boolean[] {
  try {
    return native()
      .fitsVerify(path)
      .map((c) => c.dataOk === 1 && c.hduOk === 1);
  } catch (e) {
    rethrowNative(e);
  }
}
