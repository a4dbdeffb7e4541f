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
  return { data: img.data, shape: [img.ny, img.nx], header, comments, extname: img.extname ?? '' };
}

/** One image HDU to write. */
export interface FitsHdu {
  data: Float64Array;
  shape: [number, number];
  extname?: string;
  /** Keywords in order: [key, value, comment?]. Keys over 8 characters are written with the HIERARCH convention. */
  cards: [string, number | string | boolean, string?][];
}

function nativeHdus(hdus: FitsHdu[]) {
  return hdus.map((h) => ({
    data: h.data,
    ny: h.shape[0],
    nx: h.shape[1],
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
