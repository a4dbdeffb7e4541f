/**
 * PSF pictures: logarithmic stretch, a perceptual colour map (viridis), axes
 * in arcsec, a colour bar and a title, drawn by Vega-Lite and rasterised to
 * PNG by resvg. The PSF itself is embedded as an image at its own sampling.
 */
import * as fs from 'node:fs';
import type { PNG as PngClass } from 'pngjs';
import { optionalPackage } from './optional';
import { renderSvg, svgToPng } from './chart';
import { checkOutputPath, writeOutputSync } from './files';
import { finiteNumber, oneOf, show } from '../validate';

/** Options of {@link psfToPng}. */
export interface PictureOptions {
  /** Decades shown below the maximum (log stretch). Default 6. */
  decades?: number;
  /** Largest value shown (default: the image's maximum). */
  max?: number;
  /** Title (default: wavelengths and normalisation from the header). */
  title?: string;
  /** Second title line. */
  subtitle?: string;
  /** Plot width in pixels before the PNG scale. Default 420. */
  size?: number;
  /** PNG scale factor. Default 2. */
  scale?: number;
  /** Colour stretch: 'log' (default; `decades` below the maximum) or 'linear' (minimum to maximum). */
  stretch?: 'log' | 'linear';
  /** Axis unit (default 'arcsec'). */
  axisUnit?: string;
  /** Colour-bar title (default 'log10 intensity', or 'value' for a linear stretch). */
  colourTitle?: string;
}

// viridis, 16 anchors (matplotlib's), interpolated linearly.
const VIRIDIS = [
  [68, 1, 84],
  [72, 26, 108],
  [71, 47, 125],
  [65, 68, 135],
  [57, 86, 140],
  [49, 104, 142],
  [42, 120, 142],
  [35, 137, 142],
  [31, 152, 139],
  [34, 168, 132],
  [53, 183, 121],
  [84, 197, 104],
  [122, 209, 81],
  [165, 219, 54],
  [210, 226, 27],
  [253, 231, 37],
];

function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + f * (b[k]! - a[k]!))) as [number, number, number];
}

/** The colour-mapped image (log10 stretch, or linear) as PNG bytes, +y up, one pixel per sample. */
export async function colourImage(data: Float64Array, shape: [number, number], lo: number, hi: number, stretch: 'log' | 'linear' = 'log'): Promise<Uint8Array> {
  const { PNG } = await optionalPackage<{ PNG: typeof PngClass }>('pngjs', 'PNG output');
  const [ny, nx] = shape;
  const png = new PNG({ width: nx, height: ny });
  const linear = stretch === 'linear';
  const llo = linear ? lo : Math.log10(lo);
  const span = (linear ? hi : Math.log10(hi)) - llo || 1;
  for (let i = 0; i < ny; i++) {
    const row = ny - 1 - i; // +y up: the last array row is the top line
    for (let j = 0; j < nx; j++) {
      const v = data[i * nx + j]!;
      const t = linear ? (v - llo) / span : v > lo ? (Math.log10(Math.min(v, hi)) - llo) / span : 0;
      const [r, g, b] = viridis(t);
      const o = 4 * (row * nx + j);
      png.data[o] = r;
      png.data[o + 1] = g;
      png.data[o + 2] = b;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** The colour scale's ends: `decades` below the maximum (log), or minimum to maximum (linear). */
function colourRange(data: Float64Array, opts: PictureOptions): { lo: number; hi: number; linear: boolean } {
  const linear = oneOf('stretch', opts.stretch ?? 'log', ['log', 'linear'] as const) === 'linear';
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (const v of data) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const hi = opts.max === undefined ? max : finiteNumber('max', opts.max, linear ? {} : { exclusiveMin: 0 });
  if (linear) return { lo: min, hi: hi > min ? hi : min + 1, linear };
  if (!(hi > 0)) throw new RangeError('the PSF has no positive values to draw');
  const decades = opts.decades === undefined ? 6 : finiteNumber('decades', opts.decades, { exclusiveMin: 0 });
  return { lo: hi * 10 ** -decades, hi, linear };
}

/** The Vega-Lite specification of a PSF (or pupil) picture. */
export async function pictureSpec(
  img: { data: Float64Array; shape: [number, number]; pixelscale: number },
  title: string,
  opts: PictureOptions = {},
): Promise<object> {
  const { lo, hi, linear } = colourRange(img.data, opts);
  const [ny, nx] = img.shape;
  const size = opts.size ?? 420;
  const w = size;
  const h = Math.round((size * ny) / nx);
  const halfX = (nx * img.pixelscale) / 2;
  const halfY = (ny * img.pixelscale) / 2;
  const png = await colourImage(img.data, img.shape, lo, hi, linear ? 'linear' : 'log');
  const url = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  const llo = linear ? lo : Math.log10(lo);
  const lhi = linear ? hi : Math.log10(hi);
  const unit = opts.axisUnit ?? 'arcsec';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, ...(opts.subtitle ? { subtitle: opts.subtitle } : {}), anchor: 'start', fontSize: 14 },
    width: w,
    height: h,
    layer: [
      {
        data: { values: [{ x: 0, y: 0, url }] },
        mark: { type: 'image', width: w, height: h, aspect: false, align: 'center', baseline: 'middle' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: `x (${unit})`, scale: { domain: [-halfX, halfX], nice: false } },
          y: { field: 'y', type: 'quantitative', title: `y (${unit})`, scale: { domain: [-halfY, halfY], nice: false } },
          url: { field: 'url', type: 'nominal' },
        },
      },
      {
        // Invisible points that carry the colour scale, so Vega draws the colour bar.
        data: {
          values: [
            { x: 0, y: 0, v: llo },
            { x: 0, y: 0, v: lhi },
          ],
        },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          color: {
            field: 'v',
            type: 'quantitative',
            title: opts.colourTitle ?? (linear ? 'value' : 'log10 intensity'),
            scale: { scheme: 'viridis', domain: [llo, lhi] },
            legend: { gradientLength: h - 20, orient: 'right' },
          },
        },
      },
    ],
    config: { font: 'DejaVu Sans' },
  };
}

/** Draws a PSF image as a PNG file (log stretch, viridis, arcsec axes, colour bar, title). */
export async function psfToPng(
  path: string,
  img: { data: Float64Array; shape: [number, number]; pixelscale: number },
  title: string,
  opts: PictureOptions = {},
): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`path must be a file path, got ${show(path)}`);
  checkOutputPath(path, 'PNG picture', 'ERR_AIRY_WRITE');
  const png = await svgToPng(await renderSvg(await pictureSpec(img, title, opts)), opts.scale ?? 2);
  writeOutputSync({ file: path, what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: (staging) => fs.writeFileSync(staging, png) });
}
