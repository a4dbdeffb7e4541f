/** `airy measure`: the numbers of a PSF in a FITS file, and the short form `airy psf --measure` adds. */
import * as fs from 'node:fs';
import { centroid, encircledEnergy, fwhm, radiusAtEe, sharpness } from '../analysis';
import { readFitsImage } from '../io/fits';
import type { PsfImage } from '../io/psf';
import { UsageError } from './usage';

/** What `airy measure` reports of one image (arcsec, fractions of the image's flux). */
export interface Measurements {
  shape: [number, number];
  pixelscale: number;
  total: number;
  peak: number;
  centroid: { x: number; y: number; offsetArcsec: [number, number] };
  fwhm: { profile: number | null; fit: number | null; note?: string };
  ee: { radius: number; fraction: number }[];
  radiusAtEe: { fraction: number; radius: number }[];
  sharpness: number;
}

/** FWHM by one method, or null with the reason when the image does not allow it. */
function tryFwhm(img: PsfImage, method: 'profile' | 'fit', center: [number, number], notes: string[]): number | null {
  try {
    return fwhm(img, { method, center });
  } catch (e) {
    notes.push(`${method}: ${(e as Error).message}`);
    return null;
  }
}

/** The measurements, centred on the iterative centroid. */
export function measure(img: PsfImage, eeRadii: number[] = []): Measurements {
  const c = centroid(img);
  const center: [number, number] = [c.y, c.x];
  const notes: string[] = [];
  const widths = { profile: tryFwhm(img, 'profile', center, notes), fit: tryFwhm(img, 'fit', center, notes) };
  const ee = eeRadii.length ? Array.from(encircledEnergy(img, eeRadii, { center }), (fraction, k) => ({ radius: eeRadii[k]!, fraction })) : [];
  return {
    shape: img.shape,
    pixelscale: img.pixelscale,
    total: img.data.reduce((s, v) => s + v, 0),
    peak: img.data.reduce((m, v) => Math.max(m, v), -Infinity),
    centroid: c,
    fwhm: notes.length ? { ...widths, note: notes.join('; ') } : widths,
    ee,
    radiusAtEe: [0.5, 0.8].map((fraction) => ({ fraction, radius: radiusAtEe(img, fraction, { center }) })),
    sharpness: sharpness(img),
  };
}

const arcsec = (v: number | null) => (v === null ? 'n/a' : `${v.toPrecision(5)}″`);

/** The measurements as lines of text. */
export function describeMeasurements(m: Measurements): string[] {
  const lines = [
    `${m.shape[0]}×${m.shape[1]} pixels of ${m.pixelscale.toPrecision(5)}″, total ${m.total.toPrecision(6)}, peak ${m.peak.toPrecision(5)}, sharpness ${m.sharpness.toPrecision(4)}`,
    `centroid (x, y) = (${m.centroid.x.toFixed(3)}, ${m.centroid.y.toFixed(3)}) px, (${m.centroid.offsetArcsec[1].toFixed(5)}″, ${m.centroid.offsetArcsec[0].toFixed(5)}″) from the centre`,
    `FWHM ${arcsec(m.fwhm.profile)} (profile), ${arcsec(m.fwhm.fit)} (fit)${m.fwhm.note ? ` — ${m.fwhm.note}` : ''}`,
    m.radiusAtEe.map((r) => `r(EE ${Math.round(r.fraction * 100)} %) = ${arcsec(r.radius)}`).join(', '),
  ];
  if (m.ee.length) lines.push(m.ee.map((e) => `EE(${arcsec(e.radius)}) = ${e.fraction.toFixed(5)}`).join(', '));
  return lines;
}

/** The image of HDU `ext` of a FITS file with its PIXELSCL, or a usage error naming what is wrong. */
export function readPsfFile(file: string, ext = 0): PsfImage & { extname: string } {
  if (!fs.existsSync(file)) throw new UsageError(`FITS file ${file} does not exist`);
  let img: ReturnType<typeof readFitsImage>;
  try {
    img = readFitsImage(file, file, ext);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const scale = img.header.PIXELSCL;
  if (typeof scale !== 'number' || !(scale > 0)) throw new UsageError(`${file} HDU ${ext} has no PIXELSCL keyword (arcsec per pixel)`);
  return { data: img.data, shape: img.shape, pixelscale: scale, extname: img.extname };
}

/** `airy measure file.fits [--ext N] [--ee r1,r2] [--json]`. */
export function measureCommand(file: string, opts: { ext?: number; ee?: number[]; json?: boolean }): void {
  const img = readPsfFile(file, opts.ext);
  if (opts.ee?.some((r) => r < 0)) throw new UsageError(`--ee radii must be >= 0 arcsec, got ${opts.ee.join(',')}`);
  const m = measure(img, opts.ee ?? []);
  if (opts.json) console.log(JSON.stringify({ file, ext: opts.ext ?? 0, extname: img.extname, ...m }));
  else for (const line of [`${file}[${opts.ext ?? 0}]${img.extname ? ` ${img.extname}` : ''}`, ...describeMeasurements(m)]) console.log(line);
}
