/**
 * One grid point as a system of its own: the grid's system with the point's
 * wavefront error on the first pupil plane, the detector centred on the
 * point's field position and the source moved there. Its JSON is the whole
 * recipe of the PSF, so its hash names the result.
 */
import { createHash } from 'node:crypto';
import { config } from '../config';
import { AiryError } from '../errors';
import type { Psf } from '../io/psf';
import { loadSystem } from '../io/load';
import type { CalcPsfOptions } from '../engine/system';
import { version } from '../version';
import type { GridPoint, ResolvedGrid } from './spec';

type Json = Record<string, unknown>;

/** Options of one grid point's `calcPsf`: how it runs, never what it computes. */
export type PointRunOptions = Pick<CalcPsfOptions, 'parallel' | 'nProcesses' | 'startMethod' | 'fftThreads' | 'planner' | 'signal' | 'allowOversubscribe'>;

const deg = Math.PI / 180;

/** A source's offset as a field vector, arcsec (x, y), POPPY's convention: θ counter-clockwise from +y. */
function offsetVector(source: Json): [number, number] {
  const r = typeof source.offsetR === 'number' ? source.offsetR : 0;
  const theta = (typeof source.offsetTheta === 'number' ? source.offsetTheta : 0) * deg;
  return [-r * Math.sin(theta), r * Math.cos(theta)];
}

/** The source offset `{ offsetR, offsetTheta }` of a field vector (x, y) in arcsec. */
function polarOffset(x: number, y: number): { offsetR: number; offsetTheta: number } {
  const r = Math.hypot(x, y);
  return { offsetR: r, offsetTheta: r === 0 ? 0 : Math.atan2(-x, y) / deg };
}

/**
 * Where a grid point sits in the system's field, arcsec (x, y): the detector's
 * own offset plus the point's position from the detector's centre, turned
 * with the detector.
 */
export function fieldPosition(detector: Json, p: GridPoint): [number, number] {
  const rot = (typeof detector.rotation === 'number' ? detector.rotation : 0) * deg;
  const [c, s] = [Math.cos(rot), Math.sin(rot)];
  const x0 = typeof detector.offsetX === 'number' ? detector.offsetX : 0;
  const y0 = typeof detector.offsetY === 'number' ? detector.offsetY : 0;
  return [x0 + c * p.fieldX - s * p.fieldY, y0 + s * p.fieldX + c * p.fieldY];
}

/** The JSON system of one grid point (with its source and normalisation): everything its PSF depends on. */
export function pointSystem(grid: ResolvedGrid, p: GridPoint): Json {
  const sys = structuredClone(grid.system) as Json & { planes: Json[] };
  const source = (grid.source ?? sys.source) as Json | undefined;
  if (!source) throw new AiryError('the grid has no source: give the grid a source or its system a default one', 'ERR_AIRY_SYSTEM');
  const detector = sys.planes[sys.planes.length - 1]!;
  const [fx, fy] = fieldPosition(detector, p);
  detector.offsetX = fx;
  detector.offsetY = fy;
  const [sx, sy] = offsetVector(source);
  sys.source = { ...source, ...polarOffset(sx + fx, sy + fy) };
  if (grid.normalize !== undefined) sys.normalize = grid.normalize;
  // Single precision enters the recipe (and so the key); double stays implicit, as in grids made before it existed.
  if (sys.precision === undefined && config.get('precision') === 'single') sys.precision = 'single';
  sys.pupilDiameter = grid.pupilDiameter;
  if (grid.wavefrontRadius > 0) {
    const first = sys.planes.find((pl) => pl.kind === 'pupil') as { optics: Json[] } | undefined;
    if (!first) throw new AiryError('the grid has a wavefront error but its system has no pupil plane', 'ERR_AIRY_SYSTEM');
    const coefficients = p.zernike.length ? p.zernike : [0];
    first.optics = [...first.optics, { type: 'ZernikeWFE', radius: grid.wavefrontRadius, coefficients }];
  }
  return sys;
}

/** JSON with object keys sorted, so equal systems give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Json).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The name of a point's result: SHA-256 of airy's version and the point's
 * system. Files a system names (FITS optics) enter by path, not by content.
 */
export function pointKey(system: Json): string {
  return createHash('sha256')
    .update(canonicalJson({ airy: version, system }))
    .digest('hex');
}

/** Computes one grid point's PSF with the local engine. */
export async function computePoint(system: Json, baseDir: string, run: PointRunOptions = {}): Promise<Psf> {
  const osys = loadSystem(system, { baseDir });
  try {
    // The recipe's precision, whatever this process's configuration says.
    return await osys.calcPsf({ ...run, precision: osys.defaultPrecision ?? 'double' });
  } finally {
    osys.release();
  }
}
