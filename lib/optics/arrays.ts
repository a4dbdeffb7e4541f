/** Optics given as arrays, in code or in FITS files, resampled bilinearly onto the plane's grid. */
import * as nodePath from 'node:path';
import { readFitsImage } from '../io/fits';
import { finiteNumber, integer, show } from '../validate';
import { defineOptic, type PlaneKind } from './optic';
import { choice, optionalPositive, positive, type Param } from './params';

/** OPD units accepted by ArrayOptic and FitsOptic. */
export type OpdUnits = 'meters' | 'microns' | 'nanometers';
const OPD_SCALE: Record<OpdUnits, number> = { meters: 1, microns: 1e-6, nanometers: 1e-9 };
const UNITS = ['meters', 'microns', 'nanometers'] as const;
const PLANES = ['pupil', 'image'] as const;

type ArrayInput = Float64Array | number[][];

/** An optional 2D array (flat Float64Array with `shape`, or nested rows), checked when the optic is finished. */
const arrayInput = (doc: string): Param<ArrayInput | undefined, ArrayInput> => ({
  unit: '',
  doc,
  required: false,
  defaultText: '',
  parse: (_path, v) => v as ArrayInput | undefined,
});

const shapeInput: Param<[number, number] | undefined, [number, number]> = {
  unit: 'px',
  doc: 'Shape [ny, nx] of flat typed arrays (implied by nested arrays)',
  required: false,
  defaultText: '',
  parse(path, v) {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`${path} must be [ny, nx], got ${show(v)}`);
    return [integer(`${path}[0]`, v[0]), integer(`${path}[1]`, v[1])];
  },
};

/** An optional FITS file path, resolved against the JSON file's folder. */
const fitsFile = (doc: string): Param<string | undefined, string> => ({
  unit: '',
  doc,
  required: false,
  defaultText: '',
  parse(path, v, ctx) {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new TypeError(`${path} must be a FITS file path, got ${show(v)}`);
    return ctx.baseDir && !nodePath.isAbsolute(v) ? nodePath.resolve(ctx.baseDir, v) : v;
  },
});

function flatten(path: string, v: unknown, shape: [number, number] | undefined): { data: Float64Array; shape: [number, number] } {
  if (v instanceof Float64Array) {
    if (!shape) throw new TypeError(`${path}: a flat Float64Array needs shape [ny, nx]`);
    if (v.length !== shape[0] * shape[1]) throw new RangeError(`${path} has ${v.length} elements, shape ${show(shape)} needs ${shape[0] * shape[1]}`);
    return { data: v, shape };
  }
  if (!Array.isArray(v) || v.length === 0 || !Array.isArray(v[0])) {
    throw new TypeError(`${path} must be a Float64Array or a nested array of rows, got ${show(v)}`);
  }
  const ny = v.length;
  const nx = (v[0] as unknown[]).length;
  const data = new Float64Array(ny * nx);
  v.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== nx) throw new RangeError(`${path}[${i}] must be a row of ${nx} numbers`);
    row.forEach((x, j) => {
      data[i * nx + j] = finiteNumber(`${path}[${i}][${j}]`, x);
    });
  });
  if (shape && (shape[0] !== ny || shape[1] !== nx)) throw new RangeError(`${path} is ${ny}x${nx}, shape says ${show(shape)}`);
  return { data, shape: [ny, nx] };
}

/** The sampled arrays of an array optic, checked. */
interface ArrayState {
  shape: [number, number];
  transmission: Float64Array | null;
  /** OPD in metres. */
  opdMeters: Float64Array | null;
  pixelscale: number;
  planeType: PlaneKind;
}

/** An array optic read from files. */
interface FitsState extends ArrayState {
  files: { transmission?: string; opd?: string };
}

function arrayState(
  path: string,
  given: { transmission?: unknown; opd?: unknown; shape?: [number, number] },
  pixelscale: number,
  units: OpdUnits,
  planeType: PlaneKind,
): ArrayState {
  if (given.transmission === undefined && given.opd === undefined) throw new TypeError(`${path} needs transmission, opd, or both`);
  const t = given.transmission === undefined ? null : flatten(`${path}.transmission`, given.transmission, given.shape);
  const o = given.opd === undefined ? null : flatten(`${path}.opd`, given.opd, given.shape ?? t?.shape);
  if (t && o && (t.shape[0] !== o.shape[0] || t.shape[1] !== o.shape[1])) {
    throw new RangeError(`${path}: transmission is ${t.shape.join('x')} but opd is ${o.shape.join('x')}`);
  }
  t?.data.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${path}.transmission[${i}] must be finite and >= 0, got ${v}`);
  });
  const opdMeters = o ? o.data.map((v) => v * OPD_SCALE[units]) : null;
  opdMeters?.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`${path}.opd[${i}] must be finite, got ${v}`);
  });
  return { shape: (t ?? o)!.shape, transmission: t ? t.data : null, opdMeters, pixelscale, planeType };
}

// What array optics share once their arrays are known.
const arrayOptic = {
  planes: (p: ArrayState) => [p.planeType],
  pupilDiameter: (p: ArrayState) => Math.max(...p.shape) * p.pixelscale,
  outside: (p: ArrayState) => (p.transmission ? 0 : 1),
  extent: (p: ArrayState) => (Math.hypot(p.shape[0], p.shape[1]) / 2) * p.pixelscale,
  layers: (p: ArrayState, at: { shiftX: number; shiftY: number; rotation: number }) => [
    {
      kind: 'array' as const,
      ny: p.shape[0],
      nx: p.shape[1],
      pixelscale: p.pixelscale,
      ...(p.transmission ? { amp: p.transmission } : {}),
      ...(p.opdMeters ? { opd: p.opdMeters } : {}),
      ...at,
    },
  ],
};

const pixelscaleDoc = 'Pixel scale of the arrays: metres (pupil) or arcsec (image) per pixel';

/**
 * Transmission and/or OPD given as arrays, centred on the plane, resampled bilinearly to its grid. Parameters:
 * transmission, optional; opd, optional; shape (px), optional; pixelscale (m | arcsec); opdUnits, default
 * 'meters'; planeType, default 'pupil'. Reference: docs/optics.md.
 */
export const ArrayOptic = defineOptic({
  type: 'ArrayOptic',
  doc: 'Transmission and/or OPD given as arrays, centred on the plane, resampled bilinearly to its grid.',
  params: {
    transmission: arrayInput('Amplitude transmission, row-major [ny, nx] (default all 1)'),
    opd: arrayInput('OPD, row-major [ny, nx], in opdUnits'),
    shape: shapeInput,
    pixelscale: positive('m | arcsec', pixelscaleDoc),
    opdUnits: choice('Units of opd', UNITS, 'meters'),
    planeType: choice('Plane kind the arrays describe', PLANES, 'pupil'),
  },
  ...arrayOptic,
  finish: (p, path): ArrayState => arrayState(path, p, p.pixelscale, p.opdUnits, p.planeType),
  toJson: (p) => ({
    ...(p.transmission ? { transmission: Array.from(p.transmission) } : {}),
    ...(p.opdMeters ? { opd: Array.from(p.opdMeters), opdUnits: 'meters' } : {}),
    shape: p.shape,
    pixelscale: p.pixelscale,
    planeType: p.planeType,
  }),
});

/**
 * Transmission and/or OPD read from FITS files (primary HDU, 2D) with CFITSIO. Parameters: transmission,
 * optional; opd, optional; pixelscale (m | arcsec), optional; opdUnits, default 'meters'; planeType, default
 * 'pupil'. Reference: docs/optics.md.
 */
export const FitsOptic = defineOptic({
  type: 'FitsOptic',
  doc: 'Transmission and/or OPD read from FITS files (primary HDU, 2D) with CFITSIO.',
  params: {
    transmission: fitsFile('FITS file of amplitude transmission'),
    opd: fitsFile('FITS file of OPD, in opdUnits'),
    pixelscale: optionalPositive('m | arcsec', `${pixelscaleDoc}; default from the header (PIXELSCL or PUPLSCAL)`),
    opdUnits: choice('Units of the OPD file', UNITS, 'meters'),
    planeType: choice('Plane kind the files describe', PLANES, 'pupil'),
  },
  ...arrayOptic,
  finish: (p, path): FitsState => {
    if (p.transmission === undefined && p.opd === undefined) throw new TypeError(`${path} needs transmission, opd, or both (FITS file paths)`);
    const t = p.transmission === undefined ? undefined : readFitsImage(p.transmission, `${path}.transmission`);
    const o = p.opd === undefined ? undefined : readFitsImage(p.opd, `${path}.opd`);
    const h = (t ?? o)!.header;
    const scale = p.pixelscale ?? h.PIXELSCL ?? h.PUPLSCAL;
    if (scale === undefined) throw new TypeError(`${path}.pixelscale is required (the FITS header has no PIXELSCL or PUPLSCAL)`);
    const pixelscale = finiteNumber(`${path}.pixelscale`, scale, { exclusiveMin: 0 });
    const shape = (t ?? o)!.shape;
    return {
      files: { transmission: p.transmission, opd: p.opd },
      ...arrayState(path, { transmission: t?.data, opd: o?.data, shape }, pixelscale, p.opdUnits, p.planeType),
    };
  },
  toJson: (p) => ({
    ...(p.files.transmission ? { transmission: p.files.transmission } : {}),
    ...(p.files.opd ? { opd: p.files.opd } : {}),
    pixelscale: p.pixelscale,
    opdUnits: p.opdUnits,
    planeType: p.planeType,
  }),
});
