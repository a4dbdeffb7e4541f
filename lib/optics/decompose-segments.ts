/**
 * Per-segment decomposition: the coefficients of an OPD over each segment of
 * a MultiHexagonAperture layout, in hexikes over the segment's hexagon (or
 * Zernikes over its circumscribed circle), each fitted on the segment's own
 * bounding box of the array.
 */
import { finiteNumber, integer, knownKeys, show } from '../validate';
import { composeOpd, decomposeOpd } from './decompose';
import type { Optic } from './optic';
import { segmentCentre } from './segments';

/** Options of {@link decomposeSegmentedOpd}. */
export interface SegmentDecomposeOptions {
  /** `[ny, nx]` of the OPD array, sampled on a grid centred at ((n − 1)/2) as `optic.sample` samples it. */
  shape: [number, number];
  /** Metres per pixel. */
  pixelscale: number;
  /** The segment layout: a MultiHexagonAperture, SegmentedWFE or HexSegmentedDeformableMirror (shift allowed, no rotation). */
  layout: Optic;
  /** Terms to fit per segment (Noll order from piston). */
  nterms: number;
  /** 'hexike' (default) or 'zernike'. */
  basis?: 'hexike' | 'zernike';
  /** Pixel weights (an aperture: 0 outside); default 1 over each segment's hexagon. */
  aperture?: Float64Array;
  /** Fit each segment's basis orthonormalised over its pixels (see decomposeOpd). Default false. */
  gramSchmidt?: boolean;
}

interface SegmentLayout {
  indices: number[];
  spacing: number;
  segmentSide: number;
}

function layoutOf(o: Optic, where: string): SegmentLayout {
  const l = o as unknown as Partial<SegmentLayout>;
  if (!Array.isArray(l.indices) || typeof l.spacing !== 'number' || typeof l.segmentSide !== 'number')
    throw new TypeError(`${where} must be a MultiHexagonAperture, SegmentedWFE or HexSegmentedDeformableMirror, got ${show(o?.type ?? o)}`);
  if (o.rotation !== 0) throw new RangeError(`${where} is rotated (${o.rotation}°); decompose in the layout's own frame`);
  return l as SegmentLayout;
}

/**
 * The coefficients of `opd` over each segment, by least squares on the
 * pixels of that segment: a record from segment index to its `nterms`
 * coefficients (the OPD's units), ready for SegmentedWFE's `hexike` terms.
 */
export function decomposeSegmentedOpd(opd: Float64Array, options: SegmentDecomposeOptions): Record<string, number[]> {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${show(options)}`);
  knownKeys('options.', options, ['shape', 'pixelscale', 'layout', 'nterms', 'basis', 'aperture', 'gramSchmidt']);
  if (!Array.isArray(options.shape) || options.shape.length !== 2) throw new TypeError(`options.shape must be [ny, nx], got ${show(options.shape)}`);
  const ny = integer('options.shape[0]', options.shape[0], 1, 16384);
  const nx = integer('options.shape[1]', options.shape[1], 1, 16384);
  if (options.aperture !== undefined && !(options.aperture instanceof Float64Array && options.aperture.length === ny * nx))
    throw new RangeError(`options.aperture must be a Float64Array of ${ny * nx} elements (options.shape)`);
  if (!(opd instanceof Float64Array) || opd.length !== ny * nx)
    throw new RangeError(`opd must be a Float64Array of ${ny * nx} elements (options.shape), got ${show(opd?.length)}`);
  const scale = finiteNumber('options.pixelscale', options.pixelscale, { exclusiveMin: 0 });
  const layout = layoutOf(options.layout, 'options.layout');
  const radius = layout.segmentSide / scale;
  const reach = Math.ceil(radius) + 1;
  const out: Record<string, number[]> = {};
  for (const index of layout.indices) {
    const [x, y] = segmentCentre(index, layout.spacing);
    const cy = (ny - 1) / 2 + (y + options.layout.shiftY) / scale;
    const cx = (nx - 1) / 2 + (x + options.layout.shiftX) / scale;
    const [y0, x0] = [Math.max(0, Math.floor(cy) - reach), Math.max(0, Math.floor(cx) - reach)];
    const [y1, x1] = [Math.min(ny, Math.floor(cy) + reach + 1), Math.min(nx, Math.floor(cx) + reach + 1)];
    if (y1 <= y0 || x1 <= x0) throw new RangeError(`segment ${index} lies outside the OPD array`);
    const box = (a: Float64Array) => {
      const b = new Float64Array((y1 - y0) * (x1 - x0));
      for (let i = y0; i < y1; i++) b.set(a.subarray(i * nx + x0, i * nx + x1), (i - y0) * (x1 - x0));
      return b;
    };
    const grid = { shape: [y1 - y0, x1 - x0] as [number, number], basis: options.basis ?? 'hexike', radius, center: [cy - y0, cx - x0] as [number, number] };
    // Only this segment's pixels: the basis's domain (where its piston term is 1), times the aperture if given.
    const weights = composeOpd([1], grid);
    if (options.aperture) {
      const a = box(options.aperture);
      weights.forEach((w, k) => {
        weights[k] = w * a[k]!;
      });
    }
    const fit = decomposeOpd(box(opd), { ...grid, nterms: options.nterms, aperture: weights, gramSchmidt: options.gramSchmidt });
    out[String(index)] = Array.from(fit);
  }
  return out;
}
