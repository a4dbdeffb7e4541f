/**
 * The optic base class and `defineOptic`, which turns one declarative
 * definition (parameters with units and defaults, the planes an optic may sit
 * in, its extent, and the raster layers it samples as) into a class. Every
 * optic is sampled natively (native/raster.cc) from its layers.
 */
import { native, type NativeLayer, type NativePrim } from '../binding';
import { knownKeys, show } from '../validate';
import { numberOr, optionalFlag, text, type Input, type Param, type ParamSpecs, type ParseContext, type Resolved } from './params';

/** Where an optic may sit. */
export type PlaneKind = 'pupil' | 'image';

/** Sampling of one plane: pixel (i, j) sits at ((j − cx)·scale, (i − cy)·scale). */
export interface Grid {
  /** Full grid size (pixels). */
  ny: number;
  nx: number;
  /** Pixel index of the coordinate origin (may be fractional). */
  cy: number;
  cx: number;
  /** Metres per pixel in a pupil plane, arcsec per pixel in an image plane. */
  scale: number;
}

/** Pixel rectangle of a grid. */
export interface Rect {
  y0: number;
  x0: number;
  ny: number;
  nx: number;
}

/** Where a layer sits: shift in plane units, rotation in radians counter-clockwise. */
export interface Placement {
  shiftX: number;
  shiftY: number;
  rotation: number;
}

/**
 * How analytic shapes are sampled by default: 'airy' anti-aliases every edge
 * (a pixel holds the fraction of its area inside); 'poppy' samples each optic
 * as POPPY's class of the same name does by default (gray pixels for circular
 * apertures, binary pixel centres for hexagons, polygons, obscurations, stops
 * and occulters). An optic's own `grayPixel` overrides either.
 */
export type Conventions = 'airy' | 'poppy';

/** Parameters every optic accepts (except CompoundOptic, whose members are placed). */
export interface PlacementParams {
  /** Anti-aliased edges (true) or binary samples at pixel centres (false); default by the system's conventions. */
  grayPixel?: boolean;
  /** Shift along x: metres (pupil) or arcsec (image). Default 0. */
  shiftX?: number;
  /** Shift along y: metres (pupil) or arcsec (image). Default 0. */
  shiftY?: number;
  /** Rotation, degrees counter-clockwise. Default 0. */
  rotation?: number;
  /** Display name. */
  name?: string;
}

const PLACEMENT = {
  grayPixel: optionalFlag(
    "Edges of analytic shapes: true, each pixel holds the fraction of its area inside; false, 1 where the pixel's centre is inside (default: by the system's conventions)",
  ),
  shiftX: numberOr('m | arcsec', 'Shift along x: metres in a pupil plane, arcsec in an image plane', 0),
  shiftY: numberOr('m | arcsec', 'Shift along y: metres in a pupil plane, arcsec in an image plane', 0),
  rotation: numberOr('deg', 'Rotation, degrees counter-clockwise', 0),
  name: text('Display name'),
};
const NAME_ONLY = { name: PLACEMENT.name };

/** One optic, declared. `X` is state derived from the parameters (arrays read from files, ...). */
export interface OpticDef<P extends ParamSpecs, X extends object = object> {
  /** Type name, as in JSON. */
  type: string;
  /** One-line description (the optics reference shows it). */
  doc: string;
  /** Parameters, besides shiftX, shiftY, rotation and name. */
  params: P;
  /** Plane kinds it belongs in. */
  planes: readonly PlaneKind[] | ((p: Resolved<P> & X) => readonly PlaneKind[]);
  /** False: the optic takes no shift or rotation of its own (default true). */
  placed?: boolean;
  /** Cross-parameter checks and derived state. */
  finish?: (p: Resolved<P>, path: string) => X;
  /** Pupil diameter it implies (metres), if it defines one. */
  pupilDiameter?: (p: Resolved<P> & X) => number | undefined;
  /** Amplitude beyond `extent` (default 1). */
  outside?: (p: Resolved<P> & X) => number;
  /** Radius from the optic's own centre, plane units, beyond which it equals `outside` (default unbounded). */
  extent?: (p: Resolved<P> & X) => number;
  /** The raster layers the optic is sampled as (members of compound optics take the same conventions). */
  layers: (p: Resolved<P> & X, at: Placement, conventions: Conventions) => NativeLayer[];
  /** POPPY's class of this name anti-aliases its edges by default (else it samples pixel centres). */
  poppyGray?: boolean;
  /** JSON form of the parameters (default: as given). */
  toJson?: (p: Resolved<P> & X) => Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds definitions of every parameter shape
type AnyDef = OpticDef<ParamSpecs, any>;

const DEG = Math.PI / 180;

/** Base class of all optics. Subclasses come from {@link defineOptic}. */
export class Optic {
  /** Type name, as in JSON. */
  readonly type: string;
  /** Plane kinds this optic belongs in. */
  readonly planes: readonly PlaneKind[];
  /** Shift, metres (pupil) or arcsec (image). */
  readonly shiftX: number = 0;
  readonly shiftY: number = 0;
  /** Rotation, degrees counter-clockwise. */
  readonly rotation: number = 0;
  readonly name: string = '';
  /** Anti-aliased edges (true), binary pixel centres (false), or undefined: by the system's conventions. */
  readonly grayPixel: boolean | undefined = undefined;
  /** Parameters as given (for headers and JSON round trips). */
  readonly params: Record<string, unknown>;
  readonly #def: AnyDef;
  readonly #values: Record<string, unknown>;
  #changes = 0;

  protected constructor(def: AnyDef, given: unknown, path: string, ctx: ParseContext) {
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw new TypeError(`${path} must be an object of parameters, got ${show(given)}`);
    }
    const specs: ParamSpecs = { ...def.params, ...(def.placed === false ? NAME_ONLY : PLACEMENT) };
    const p = given as Record<string, unknown>;
    const { type: _type, ...rest } = p;
    knownKeys(`${path}.`, rest, Object.keys(specs), 'a parameter of this optic');
    const values: Record<string, unknown> = {};
    for (const [k, spec] of Object.entries(specs)) values[k] = spec.parse(`${path}.${k}`, p[k], ctx);
    Object.assign(values, def.finish?.(values as Resolved<ParamSpecs>, path));
    this.#def = def;
    this.#values = values;
    this.type = def.type;
    this.params = Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'type'));
    Object.assign(this, values);
    this.planes = typeof def.planes === 'function' ? def.planes(values) : def.planes;
  }

  /** Pupil diameter this optic implies (metres), if it defines one. */
  pupilDiameter(): number | undefined {
    return this.#def.pupilDiameter?.(this.#values);
  }
  /** Amplitude beyond `extent()` (0 for apertures and stops, 1 otherwise). */
  outside(): number {
    return this.#def.outside?.(this.#values) ?? 1;
  }
  /** Radius (from the optic's own centre, plane units) beyond which the optic equals `outside()`. */
  extent(): number {
    return this.#def.extent?.(this.#values) ?? Infinity;
  }
  /** The raster layers this optic is sampled as (native/raster.h), its shapes gray or binary by `conventions`. */
  layers(conventions: Conventions = 'airy'): NativeLayer[] {
    const layers = this.#def.layers(this.#values, { shiftX: this.shiftX, shiftY: this.shiftY, rotation: this.rotation * DEG }, conventions);
    const gray = this.#values.grayPixel ?? (conventions === 'airy' || this.#def.poppyGray === true);
    return gray ? layers : layers.map((l) => (l.kind === 'shape' ? { ...l, gray: false } : l));
  }
  /** Samples the optic on rectangle `r` of `grid`: amplitude and OPD (metres; null when the optic has none). */
  sample(grid: Grid, r: Rect): { amp: Float64Array; opd: Float64Array | null } {
    return samplePlane([this], grid, r);
  }
  /**
   * How many times this optic (or a member of it) has changed since it was
   * made; a system re-samples a plane when the count of one of its optics moves.
   */
  get version(): number {
    return (membersOf(this) ?? []).reduce((v, m) => v + m.version, this.#changes);
  }
  /** Marks the optic changed (an optic whose state can be set calls this after each change). */
  protected markChanged(): void {
    this.#changes++;
  }
  /** JSON form (type plus parameters, with the current state of optics that have one); `opticFromJson` builds it back. */
  toJSON(): Record<string, unknown> {
    if (!this.#def.toJson) return { type: this.type, ...this.params };
    const placement = Object.fromEntries(Object.entries(this.params).filter(([k]) => k in PLACEMENT || k === 'grayPixel'));
    return { type: this.type, ...placement, ...this.#def.toJson(this.#values) };
  }
}

/** Samples a plane's optics on `r` of `grid`: amplitude product and OPD sum (null when none). */
export function samplePlane(optics: readonly Optic[], grid: Grid, r: Rect, conventions: Conventions = 'airy'): { amp: Float64Array; opd: Float64Array | null } {
  const s = native().rasterPlane(
    optics.flatMap((o) => o.layers(conventions)),
    grid,
    r,
  );
  return { amp: s.amp, opd: s.opd ?? null };
}

/** A class made by {@link defineOptic}. */
export interface OpticClass<P extends ParamSpecs, X extends object = object> {
  new (params: Input<P> & PlacementParams, path?: string, ctx?: ParseContext): Optic & Readonly<Omit<Resolved<P>, keyof X> & X>;
  readonly definition: OpticDef<P, X>;
}

const registry = new Map<string, OpticClass<ParamSpecs>>();

/**
 * Registers `cls`, a subclass of a defined optic that adds methods (a
 * deformable mirror's setters), as the class its JSON type makes.
 */
export function registerOpticClass<P extends ParamSpecs, X extends object>(cls: OpticClass<P, X>): void {
  registry.set(cls.definition.type, cls as unknown as OpticClass<ParamSpecs>);
}

/** Makes the class of an optic from its definition, and registers its JSON type name. */
export function defineOptic<P extends ParamSpecs, X extends object = object>(def: OpticDef<P, X>): OpticClass<P, X> {
  const C = class extends Optic {
    static readonly definition = def;
    constructor(params: Input<P> & PlacementParams, path: string = def.type, ctx: ParseContext = {}) {
      super(def as AnyDef, params, path, ctx);
    }
  };
  Object.defineProperty(C, 'name', { value: def.type });
  registry.set(def.type, C as unknown as OpticClass<ParamSpecs>);
  return C as unknown as OpticClass<P, X>;
}

/** Every optic class, by JSON type name. */
export function opticTypes(): ReadonlyMap<string, OpticClass<ParamSpecs>> {
  return registry;
}

/**
 * Builds one optic from its JSON object. Relative file paths are resolved
 * against `baseDir` (the JSON file's folder when loading a file).
 */
export function opticFromJson(v: unknown, path: string, baseDir?: string, depth = 0): Optic {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${path} must be an object with a "type", got ${show(v)}`);
  const type = (v as { type?: unknown }).type;
  if (typeof type !== 'string') throw new TypeError(`${path}.type must be an optic type name, got ${show(type)}`);
  const C = registry.get(type);
  if (!C) throw new RangeError(`${path}.type: unknown optic type ${show(type)} (known: ${[...registry.keys()].join(', ')})`);
  return new C(v as Input<ParamSpecs> & PlacementParams, path, { baseDir, depth });
}

/** How deeply compound optics may nest (each level is a recursion in sampling and JSON). */
export const MAX_COMPOUND_DEPTH = 32;

/** The member optics of a compound optic (`optics`) or a wrapper (`optic`, as InverseTransmission); undefined for others. */
function membersOf(o: Optic): Optic[] | undefined {
  const { optics, optic } = o as unknown as { optics?: unknown; optic?: unknown }; // the resolved members (instances)
  if (Array.isArray(optics)) return optics.filter((m): m is Optic => m instanceof Optic);
  return optic instanceof Optic ? [optic] : undefined;
}

/** Levels of compound optics from `o` down to its deepest member (0: not compound); iterative. */
function compoundDepth(o: Optic): number {
  let deepest = 0;
  const stack: [Optic, number][] = [[o, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    const members = membersOf(x);
    if (!members) continue;
    deepest = Math.max(deepest, d + 1);
    for (const m of members) stack.push([m, d + 1]);
  }
  return deepest;
}

/** A parameter holding member optics (instances, or their JSON objects). */
export const memberOptics = (doc: string): Param<Optic[]> => ({
  unit: '',
  doc,
  required: true,
  defaultText: '',
  parse(path, v, ctx) {
    if (!Array.isArray(v) || v.length === 0) throw new TypeError(`${path} must be a non-empty array of optics`);
    const depth = (ctx.depth ?? 0) + 1;
    const tooDeep = () => new RangeError(`${path}: compound optics nest more than ${MAX_COMPOUND_DEPTH} deep`);
    if (depth > MAX_COMPOUND_DEPTH) throw tooDeep();
    const members = v.map((o, i) => (o instanceof Optic ? o : opticFromJson(o, `${path}[${i}]`, ctx.baseDir, depth)));
    if (members.some((o) => compoundDepth(o) + depth > MAX_COMPOUND_DEPTH)) throw tooDeep();
    return members;
  },
  toJson: (v) => v.map((o) => o.toJSON()),
});

/** A parameter holding one member optic (an instance, or its JSON object). */
export const memberOptic = (doc: string): Param<Optic, unknown> => ({
  unit: '',
  doc,
  required: true,
  defaultText: '',
  parse(path, v, ctx) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${path} must be an optic, got ${show(v)}`);
    const depth = (ctx.depth ?? 0) + 1;
    const tooDeep = () => new RangeError(`${path}: optics nest more than ${MAX_COMPOUND_DEPTH} deep`);
    if (depth > MAX_COMPOUND_DEPTH) throw tooDeep();
    const member = v instanceof Optic ? v : opticFromJson(v, path, ctx.baseDir, depth);
    if (compoundDepth(member) + depth > MAX_COMPOUND_DEPTH) throw tooDeep();
    return member;
  },
  toJson: (v) => v.toJSON(),
});

/**
 * Radius beyond which a product of optics is constant: the smallest extent of
 * an optic that is dark outside, else the largest extent (measured from each
 * optic's own shifted centre, so shifts widen it).
 */
export function combinedExtent(optics: readonly Optic[]): number {
  const reach = (o: Optic) => o.extent() + Math.hypot(o.shiftX, o.shiftY);
  const dark = optics.filter((o) => o.outside() === 0).map(reach);
  if (dark.length) return Math.min(...dark);
  return optics.length ? Math.max(...optics.map(reach)) : 0;
}

// ---- raster primitives (native/raster.h), in the optic's local frame ----------

export const circle = (r: number): NativePrim => ({ kind: 'circle', a: r });
export const annulus = (ri: number, ro: number): NativePrim => ({ kind: 'annulus', a: ri, b: ro });
export const rect = (w: number, h: number): NativePrim => ({ kind: 'rect', a: w, b: h });
/** Regular polygon, circumradius r, first vertex at angle a0 (radians from +x). */
export const polygon = (nsides: number, r: number, a0: number): NativePrim => ({ kind: 'polygon', a: nsides, b: r, c: a0 });
/** Half-infinite strip of width w from the origin, direction angle a (radians from +y, counter-clockwise). */
export const spoke = (w: number, a: number): NativePrim => ({ kind: 'spoke', a: w, b: a });
/** Infinite strip of width w along +y. */
export const bar = (w: number): NativePrim => ({ kind: 'bar', a: w });
/** The half plane x > 0. */
export const halfPlane = (): NativePrim => ({ kind: 'halfPlane' });
/** The whole plane. */
export const wholePlane = (): NativePrim => ({ kind: 'plane' });
/** OPD `opd` (metres) plus slopes `tip` along x and `tilt` along y (radians) inside the union of `prims`. */
export const opdInside = (prims: NativePrim[], opd: number, at: Placement, tip = 0, tilt = 0): NativeLayer => ({
  kind: 'segmentOpd',
  segments: prims,
  piston: prims.map(() => opd),
  tip: prims.map(() => tip),
  tilt: prims.map(() => tilt),
  ...at,
});
/** The coverage of a union of primitives (1 − coverage when it blocks). */
export const shape = (prims: NativePrim[], blocks: boolean, at: Placement): NativeLayer => ({ kind: 'shape', prims, invert: blocks, ...at });
export { DEG };
