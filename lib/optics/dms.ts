/**
 * Deformable mirrors. A continuous DM is a lattice of actuators whose
 * influence functions add up to the surface: Gaussians (15 % coupling to the
 * neighbour, POPPY's default model) or a measured one from a FITS file (as
 * POPPY's influence_func: SAMPLING pixels per spacing, interpolated by cubic
 * B-splines, as scipy.ndimage.zoom does for POPPY); the OPD is twice the surface on reflection. Actuators sit at exact positions, so the surface does not
 * depend on the pupil's sampling. Setting actuators between calcPsf calls
 * re-samples only the DM's pupil plane.
 */
import * as nodePath from 'node:path';
import { readFitsImage } from '../io/fits';
import { finiteNumber, show } from '../validate';
import { circle, defineOptic, registerOpticClass, shape } from './optic';
import { flag, optionalPositive, type Param } from './params';
import { splineCoefficients } from './spline';

/** POPPY's Gaussian influence: the neighbour one spacing away feels 15 % of a poke. */
const CROSSTALK = 0.15;
const MAX_ACTUATORS = 4096;

/** [ny, nx] actuators. */
const actuatorShape: Param<[number, number], [number, number]> = {
  unit: '',
  doc: 'Actuators [ny, nx]',
  required: true,
  defaultText: '',
  parse(path, v) {
    const ok = (x: unknown) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= MAX_ACTUATORS;
    if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) {
      throw new TypeError(`${path} must be [ny, nx], whole numbers of actuators from 1 to ${MAX_ACTUATORS}, got ${show(v)}`);
    }
    return [v[0], v[1]];
  },
};

/** 'gaussian', or a FITS file path (resolved against the JSON file's folder). */
const influenceParam: Param<string, string> = {
  unit: '',
  doc: "Influence function: 'gaussian', or a FITS file of a unit poke's surface (2D, centred on pixel (n − 1)/2, header SAMPLING = pixels per actuator spacing)",
  required: false,
  defaultText: "'gaussian'",
  parse(path, v, ctx) {
    if (v === undefined || v === 'gaussian') return 'gaussian';
    if (typeof v !== 'string' || v === '') throw new TypeError(`${path} must be 'gaussian' or a FITS file path, got ${show(v)}`);
    return ctx.baseDir && !nodePath.isAbsolute(v) ? nodePath.resolve(ctx.baseDir, v) : v;
  },
};

/** A measured influence function: its cubic B-spline coefficients and pixels per actuator spacing. */
interface InfluenceTable {
  data: Float64Array;
  ny: number;
  nx: number;
  sampling: number;
}

function readInfluence(file: string, path: string): InfluenceTable {
  const img = readFitsImage(file, path);
  const sampling = img.header.SAMPLING;
  if (sampling === undefined) throw new TypeError(`${path}: ${file} has no SAMPLING keyword (pixels per actuator spacing)`);
  const s = finiteNumber(`${path}: SAMPLING of ${file}`, sampling, { exclusiveMin: 0 });
  const [ny, nx] = img.shape;
  if (ny < 4 || nx < 4) throw new RangeError(`${path}: ${file} is ${ny}×${nx}; an influence function needs at least 4×4 pixels`);
  const bad = img.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${path}: ${file} has a non-finite value at pixel ${bad}`);
  return { data: splineCoefficients(img.data, ny, nx), ny, nx, sampling: s };
}

/** Surface heights, metres, one per actuator (row-major, row 0 at −y); absent: flat. */
const heights: Param<Float64Array | undefined, ArrayLike<number>> = {
  unit: 'm',
  doc: 'Surface height at each actuator, row-major from −y (default flat)',
  required: false,
  defaultText: '',
  parse(path, v) {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) && !(v instanceof Float64Array)) throw new TypeError(`${path} must be an array of heights in metres, got ${show(v)}`);
    const out = Float64Array.from(v as ArrayLike<number>);
    const bad = out.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new RangeError(`${path}[${bad}] must be a finite number, got ${show((v as ArrayLike<unknown>)[bad])}`);
    return out;
  },
  toJson: (v) => (v ? Array.from(v) : undefined),
};

const ContinuousDmDefinition = defineOptic({
  type: 'ContinuousDeformableMirror',
  // POPPY's mirror transmits through a CircularAperture, which it anti-aliases.
  poppyGray: true,
  doc: 'A continuous deformable mirror: actuators on a square lattice, each a Gaussian influence (15 % on the neighbour) or one read from a FITS file, OPD = 2 × surface on reflection; transmits inside radius when given. Give actuatorSpacing, or radius (then spacing = 2·radius/(n − 1), as in POPPY). Set actuators with setActuator, setSurface and flatten.',
  params: {
    actuators: actuatorShape,
    actuatorSpacing: optionalPositive('m', 'Distance between neighbouring actuators'),
    radius: optionalPositive('m', 'Radius of the clear aperture (the mirror transmits only inside it)'),
    surface: heights,
    influence: influenceParam,
    includeFactorOfTwo: flag('OPD = 2 × surface (a reflection); false: OPD = surface', true),
  },
  planes: ['pupil'],
  finish: (p, path) => {
    const [ny, nx] = p.actuators;
    if (p.actuatorSpacing === undefined && p.radius === undefined) throw new TypeError(`${path} needs actuatorSpacing or radius`);
    const spacing = p.actuatorSpacing ?? (2 * p.radius!) / (Math.max(ny, nx) - 1 || 1);
    if (p.surface && p.surface.length !== ny * nx)
      throw new RangeError(`${path}.surface has ${p.surface.length} heights but actuators [${ny}, ${nx}] need ${ny * nx}`);
    const table = p.influence === 'gaussian' ? undefined : readInfluence(p.influence, `${path}.influence`);
    return { spacing, heights: p.surface ?? new Float64Array(ny * nx), table };
  },
  pupilDiameter: (p) => Math.max(Math.max(...p.actuators) * p.spacing, 2 * (p.radius ?? 0)),
  outside: (p) => (p.radius === undefined ? 1 : 0),
  extent: (p) => p.radius ?? Infinity,
  toJson: (p) => {
    const json: Record<string, unknown> = { actuators: p.actuators };
    if (p.actuatorSpacing !== undefined) json.actuatorSpacing = p.actuatorSpacing;
    if (p.radius !== undefined) json.radius = p.radius;
    if (p.heights.some((h) => h !== 0)) json.surface = Array.from(p.heights);
    if (!p.includeFactorOfTwo) json.includeFactorOfTwo = false;
    if (p.influence !== 'gaussian') json.influence = p.influence;
    return json;
  },
  layers: (p, at) => {
    const factor = p.includeFactorOfTwo ? 2 : 1;
    const [ny, nx] = p.actuators;
    const sigma = p.spacing / Math.sqrt(-Math.log(CROSSTALK));
    const table = p.table ? { influence: p.table.data, influenceNy: p.table.ny, influenceNx: p.table.nx, influenceSampling: p.table.sampling } : {};
    const dm = { kind: 'actuators' as const, ny, nx, spacing: p.spacing, sigma, heights: Array.from(p.heights, (h) => factor * h), ...table, ...at };
    return p.radius === undefined ? [dm] : [dm, shape([circle(p.radius)], false, at)];
  },
});

/**
 * A continuous deformable mirror: actuators on a square lattice, each a Gaussian influence (15 % on the neighbour)
 * or one read from a FITS file, OPD = 2 × surface on reflection; transmits inside radius when given. Give actuatorSpacing, or radius (then
 * spacing = 2·radius/(n − 1), as in POPPY). Set actuators with setActuator, setSurface and flatten. Parameters:
 * actuators; actuatorSpacing (m), optional; radius (m), optional; surface (m), optional; influence, default
 * 'gaussian'; includeFactorOfTwo, default true. Reference: docs/optics.md.
 */
export class ContinuousDeformableMirror extends ContinuousDmDefinition {
  /** Sets actuator (row iy from −y, column ix from −x) to `height` metres of surface. */
  setActuator(iy: number, ix: number, height: number): void {
    const [ny, nx] = this.actuators;
    if (!Number.isInteger(iy) || iy < 0 || iy >= ny || !Number.isInteger(ix) || ix < 0 || ix >= nx) {
      throw new RangeError(`setActuator: (iy, ix) must be within [0, ${ny}) × [0, ${nx}), got (${show(iy)}, ${show(ix)})`);
    }
    if (!Number.isFinite(height)) throw new RangeError(`setActuator: height must be a finite number of metres, got ${show(height)}`);
    this.heights[iy * nx + ix] = height;
    this.markChanged();
  }
  /** Sets every actuator: `heights` metres, row-major from −y. */
  setSurface(heights: ArrayLike<number>): void {
    const [ny, nx] = this.actuators;
    if (heights?.length !== ny * nx) throw new RangeError(`setSurface: needs ${ny * nx} heights, got ${show(heights?.length)}`);
    for (let i = 0; i < ny * nx; i++) {
      if (!Number.isFinite(heights[i])) throw new RangeError(`setSurface: heights[${i}] must be a finite number, got ${show(heights[i])}`);
    }
    this.heights.set(heights);
    this.markChanged();
  }
  /** Sets every actuator to 0. */
  flatten(): void {
    this.heights.fill(0);
    this.markChanged();
  }
  /** The surface heights, metres (a copy). */
  get surfaceHeights(): Float64Array {
    return Float64Array.from(this.heights);
  }
}
registerOpticClass(ContinuousDeformableMirror);
