/**
 * PSF grids: which PSFs a grid holds. A grid is field points on a detector
 * (a regular n × n or a list), each with its own wavefront error and source
 * position, times optional focus steps; every point is one polychromatic PSF
 * of the grid's source. Checked once, for the API, the CLI and the workers.
 */
import * as nodePath from 'node:path';
import { AiryError } from '../errors';
import { readRegularFile } from '../io/files';
import { loadSystem } from '../io/load';
import { finiteNumber, integer, knownKeys, pair, show } from '../validate';

/** Field points, in detector pixels (y, x), 0 at the centre of the first pixel, as WebbPSF's DET_YX keywords. */
export type FieldSpec =
  /** n × n points from corner to corner of a `[ny, nx]` detector (WebbPSF's regular grid). */
  | { detector: [number, number]; n: number }
  /** Points given one by one, `[y, x]`. */
  | { detector: [number, number]; points: [number, number][] };

/**
 * Wavefront error that varies over the field, as Zernike coefficients (Noll
 * order from 1, metres RMS) over a circle of `radius` metres on the first
 * pupil plane: a table by field point, or polynomials in the normalised field
 * position u = 2x/(nx − 1) − 1, v = 2y/(ny − 1) − 1.
 */
export interface FieldWavefront {
  radius: number;
  /** Coefficients at field points `[y, x]`; every grid point must be listed. */
  table?: { points: [number, number][]; coefficients: number[][] };
  /** Per Noll index, terms [i, j, c]: coefficient Σ c·u^i·v^j. */
  polynomial?: { noll: number; terms: [number, number, number][] }[];
}

/** A grid as given in JSON or to `calcPsfGrid`. */
export interface GridSpec {
  /** The optical system: a path to its JSON file (relative to the grid file) or the JSON itself. */
  system: string | object;
  field: FieldSpec;
  wavefront?: FieldWavefront;
  /** Defocus steps, metres RMS of Z4 added at every point; one PSF grid per step. Default [0]. */
  focus?: number[];
  /** The source (JSON form: wavelengths and weights, or a spectrum); default the system's. */
  source?: object;
  /** Normalisation of every PSF (default the system's, else 'first'). */
  normalize?: string;
  name?: string;
}

/** One PSF of a grid. */
export interface GridPoint {
  /** Field point index (the PSF's plane in its grid file). */
  field: number;
  /** Focus step index. */
  focus: number;
  /** Detector pixels. */
  y: number;
  x: number;
  /** Field angle from the detector's centre, arcsec. */
  fieldX: number;
  fieldY: number;
  /** Zernike coefficients (Noll from 1, metres RMS) of the field's wavefront error plus the focus step. */
  zernike: number[];
}

/** A checked grid: the system as JSON, where its relative paths point, and every point. */
export interface ResolvedGrid {
  name: string;
  system: Record<string, unknown>;
  baseDir: string;
  source: object | undefined;
  normalize: string | undefined;
  detector: [number, number];
  /** Detector pixel scale of the system, arcsec. */
  pixelscale: number;
  /** The system's pupil diameter, metres (given or found), fixed for every point. */
  pupilDiameter: number;
  wavefrontRadius: number;
  focus: number[];
  points: GridPoint[];
}

const GRID_KEYS = ['system', 'field', 'wavefront', 'focus', 'source', 'normalize', 'name'];
/** Grids larger than this are refused: each point is a whole PSF. */
export const MAX_GRID_POINTS = 1_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function readJson(file: string, what: string): unknown {
  const text = readRegularFile(file, what, 'ERR_AIRY_JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AiryError(`${file}: malformed JSON: ${(e as Error).message}`, 'ERR_AIRY_JSON', { cause: e });
  }
}

/** Reads a grid file (JSON). */
export function readGridFile(file: string): { spec: GridSpec; baseDir: string } {
  const v = readJson(file, 'grid file');
  if (!isObject(v)) throw new TypeError(`${file}: a grid must be a JSON object, got ${show(v)}`);
  return { spec: v as unknown as GridSpec, baseDir: nodePath.dirname(nodePath.resolve(file)) };
}

/** The field points, `[y, x]` detector pixels, in grid order (row by row for a regular grid). */
function fieldPoints(f: unknown): { detector: [number, number]; points: [number, number][] } {
  if (!isObject(f)) throw new TypeError(`field must be { detector, n } or { detector, points }, got ${show(f)}`);
  knownKeys('field.', f, ['detector', 'n', 'points']);
  const detector = pair('field.detector', f.detector, (n, v) => integer(n, v, 1, 1 << 20));
  if ((f.n === undefined) === (f.points === undefined)) throw new TypeError('field needs exactly one of n or points');
  if (f.n !== undefined) {
    const n = integer('field.n', f.n, 1, 1000);
    const at = (k: number, size: number) => (n === 1 ? (size - 1) / 2 : (k * (size - 1)) / (n - 1));
    return { detector, points: Array.from({ length: n * n }, (_, i) => [at(Math.floor(i / n), detector[0]), at(i % n, detector[1])]) };
  }
  if (!Array.isArray(f.points) || f.points.length === 0) throw new TypeError(`field.points must be a non-empty array of [y, x], got ${show(f.points)}`);
  const points = f.points.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw new TypeError(`field.points[${i}] must be [y, x] in detector pixels, got ${show(p)}`);
    return [0, 1].map((k) => finiteNumber(`field.points[${i}][${k}]`, p[k], { min: -0.5, max: detector[k]! - 0.5 })) as [number, number];
  });
  return { detector, points };
}

/** Zernike coefficients of the field's wavefront error at each point. */
function wavefrontAt(w: unknown, detector: [number, number], points: [number, number][]): { radius: number; coefficients: number[][] } {
  if (w === undefined) return { radius: 0, coefficients: points.map(() => []) };
  if (!isObject(w)) throw new TypeError(`wavefront must be { radius, table | polynomial }, got ${show(w)}`);
  knownKeys('wavefront.', w, ['radius', 'table', 'polynomial']);
  const radius = finiteNumber('wavefront.radius', w.radius, { exclusiveMin: 0 });
  if ((w.table === undefined) === (w.polynomial === undefined)) throw new TypeError('wavefront needs exactly one of table or polynomial');
  return { radius, coefficients: w.table !== undefined ? tableAt(w.table, points) : polynomialAt(w.polynomial, detector, points) };
}

function tableAt(t: unknown, points: [number, number][]): number[][] {
  if (!isObject(t) || !Array.isArray(t.points) || !Array.isArray(t.coefficients) || t.points.length !== t.coefficients.length) {
    throw new TypeError(`wavefront.table must be { points: [[y, x], ...], coefficients: [[...], ...] } of the same length, got ${show(t)}`);
  }
  knownKeys('wavefront.table.', t, ['points', 'coefficients']);
  const rows = t.coefficients.map((c, i) => {
    if (!Array.isArray(c)) throw new TypeError(`wavefront.table.coefficients[${i}] must be an array of metres, got ${show(c)}`);
    return c.map((v, j) => finiteNumber(`wavefront.table.coefficients[${i}][${j}]`, v, { min: -1, max: 1 }));
  });
  const key = (p: unknown) => JSON.stringify(p);
  const byPoint = new Map((t.points as unknown[]).map((p, i) => [key(p), rows[i]!]));
  return points.map((p) => {
    const row = byPoint.get(key(p));
    if (!row) throw new RangeError(`wavefront.table has no coefficients for the field point [${p[0]}, ${p[1]}]`);
    return row;
  });
}

function polynomialAt(poly: unknown, detector: [number, number], points: [number, number][]): number[][] {
  if (!Array.isArray(poly)) throw new TypeError(`wavefront.polynomial must be an array of { noll, terms }, got ${show(poly)}`);
  const terms = poly.map((t, k) => {
    const where = `wavefront.polynomial[${k}]`;
    if (!isObject(t) || !Array.isArray(t.terms)) throw new TypeError(`${where} must be { noll, terms: [[i, j, c], ...] }, got ${show(t)}`);
    knownKeys(`${where}.`, t, ['noll', 'terms']);
    const noll = integer(`${where}.noll`, t.noll, 1, 1000);
    const list = t.terms.map((r, m) => {
      if (!Array.isArray(r) || r.length !== 3) throw new TypeError(`${where}.terms[${m}] must be [i, j, c], got ${show(r)}`);
      return [
        integer(`${where}.terms[${m}][0]`, r[0], 0, 20),
        integer(`${where}.terms[${m}][1]`, r[1], 0, 20),
        finiteNumber(`${where}.terms[${m}][2]`, r[2], { min: -1, max: 1 }),
      ];
    });
    return { noll, list };
  });
  const norm = (p: number, size: number) => (size > 1 ? (2 * p) / (size - 1) - 1 : 0);
  return points.map(([y, x]) => {
    const [u, v] = [norm(x, detector[1]), norm(y, detector[0])];
    const c: number[] = [];
    for (const { noll, list } of terms) {
      while (c.length < noll) c.push(0);
      c[noll - 1]! += list.reduce((s, [i, j, a]) => s + a! * u ** i! * v ** j!, 0);
    }
    return c;
  });
}

/** The system's JSON and the directory its relative paths are relative to. */
function systemOf(system: unknown, baseDir: string): { json: Record<string, unknown>; baseDir: string } {
  if (typeof system === 'string') {
    const file = nodePath.resolve(baseDir, system);
    const json = readJson(file, 'system file');
    if (!isObject(json)) throw new TypeError(`system ${file} must be a JSON object, got ${show(json)}`);
    return { json, baseDir: nodePath.dirname(file) };
  }
  if (!isObject(system)) throw new TypeError(`system must be a path to a JSON system or the system itself, got ${show(system)}`);
  return { json: system, baseDir };
}

/** The detector pixel scale (arcsec) of a JSON system: its last plane. */
function detectorScale(system: Record<string, unknown>): number {
  const planes = system.planes;
  const last = Array.isArray(planes) ? planes[planes.length - 1] : undefined;
  if (!isObject(last) || last.kind !== 'detector') throw new AiryError('system: the last plane must be a detector', 'ERR_AIRY_SYSTEM');
  return finiteNumber('system detector pixelscale', last.pixelscale, { exclusiveMin: 0 });
}

/** Checks a grid and lists its points (focus step by focus step, field point by field point). */
export function resolveGrid(spec: unknown, baseDir = process.cwd()): ResolvedGrid {
  if (!isObject(spec)) throw new TypeError(`a grid must be an object { system, field, ... }, got ${show(spec)}`);
  knownKeys('', spec, GRID_KEYS, 'a grid key');
  const sys = systemOf(spec.system, baseDir);
  const pixelscale = detectorScale(sys.json);
  const pupilDiameter = checkedSystem(sys.json, sys.baseDir);
  const { detector, points } = fieldPoints(spec.field);
  const wf = wavefrontAt(spec.wavefront, detector, points);
  const focus = spec.focus === undefined ? [0] : focusSteps(spec.focus);
  if (points.length * focus.length > MAX_GRID_POINTS) {
    throw new RangeError(`the grid has ${points.length} field points × ${focus.length} focus steps; at most ${MAX_GRID_POINTS} PSFs`);
  }
  if (spec.source !== undefined && !isObject(spec.source)) throw new TypeError(`source must be an object, got ${show(spec.source)}`);
  const hasFocus = focus.some((f) => f !== 0);
  const radius = wf.radius || (hasFocus ? pupilDiameter / 2 : 0);
  const list: GridPoint[] = [];
  focus.forEach((f, fi) => {
    points.forEach(([y, x], k) => {
      const zernike = [...wf.coefficients[k]!];
      if (f !== 0) {
        while (zernike.length < 4) zernike.push(0);
        zernike[3]! += f;
      }
      const fieldX = (x - (detector[1] - 1) / 2) * pixelscale;
      const fieldY = (y - (detector[0] - 1) / 2) * pixelscale;
      list.push({ field: k, focus: fi, y, x, fieldX, fieldY, zernike });
    });
  });
  return {
    name: typeof spec.name === 'string' ? spec.name : '',
    system: sys.json,
    baseDir: sys.baseDir,
    source: spec.source as object | undefined,
    normalize: spec.normalize as string | undefined,
    detector,
    pixelscale,
    pupilDiameter,
    wavefrontRadius: radius,
    focus,
    points: list,
  };
}

function focusSteps(v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0) throw new TypeError(`focus must be a non-empty array of metres RMS, got ${show(v)}`);
  return v.map((f, i) => finiteNumber(`focus[${i}]`, f, { min: -1e-3, max: 1e-3 }));
}

/** Loads the system once, so a bad one is refused before any work; returns its pupil diameter. */
function checkedSystem(json: Record<string, unknown>, baseDir: string): number {
  const osys = loadSystem(json, { baseDir });
  try {
    return osys.resolvedPupilDiameter();
  } finally {
    osys.release();
  }
}
