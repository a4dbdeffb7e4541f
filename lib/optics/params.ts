/**
 * Parameter specifications of optics: how each parameter is checked, its
 * unit, default and description. Optic classes, JSON loading, validation
 * messages and the optics reference (docs/optics.md) all derive from them.
 */
import { finiteNumber, integer as checkInteger, oneOf, show } from '../validate';

/** What a parameter's parse step knows besides its value. */
export interface ParseContext {
  /** Folder that relative file paths are resolved against (a JSON file's folder). */
  baseDir?: string;
  /** How many compound optics enclose the one being parsed (JSON nesting). */
  depth?: number;
}

/** One parameter: `parse` checks a given value (undefined when absent) and returns the resolved one. */
export interface Param<T, In = T> {
  /** Unit (metres, arcsec, degrees, ...) or '' for pure numbers. */
  readonly unit: string;
  /** One-line description. */
  readonly doc: string;
  /** Whether a value must be given. */
  readonly required: boolean;
  /** Default, as documented ('' when none). */
  readonly defaultText: string;
  parse(path: string, v: unknown, ctx: ParseContext): T;
  /** The value as JSON (the given value by default). */
  toJson?(v: T): unknown;
  /** Phantom: the input type. */
  readonly _in?: In;
}

/** A map of parameter names to their specifications. */
export type ParamSpecs = Record<string, Param<unknown, unknown>>;

/** Resolved parameter values. */
export type Resolved<P extends ParamSpecs> = { -readonly [K in keyof P]: P[K] extends Param<infer T, unknown> ? T : never };

type InputOf<S> = S extends Param<unknown, infer In> ? In : never;
type RequiredKeys<P extends ParamSpecs> = { [K in keyof P]: P[K]['required'] extends true ? K : never }[keyof P];
/** Parameters as a caller gives them. */
export type Input<P extends ParamSpecs> = { [K in RequiredKeys<P>]: InputOf<P[K]> } & { [K in Exclude<keyof P, RequiredKeys<P>>]?: InputOf<P[K]> };

function required(path: string, v: unknown): void {
  if (v === undefined) throw new TypeError(`${path} is required`);
}

interface NumberOpts {
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive lower bound. */
  min?: number;
}

function numberParam<R extends boolean>(unit: string, doc: string, req: R, def: number | undefined, opts: NumberOpts): Param<R extends true ? number : number> {
  return {
    unit,
    doc,
    required: req,
    defaultText: def === undefined ? '' : String(def),
    parse(path, v) {
      if (v === undefined && !req) return def as number;
      required(path, v);
      return finiteNumber(path, v, { exclusiveMin: opts.above, min: opts.min });
    },
  };
}

/** A required number > 0. */
export const positive = (unit: string, doc: string) => numberParam(unit, doc, true as const, undefined, { above: 0 });
/** An optional number > 0 (undefined when absent). */
export const optionalPositive = (unit: string, doc: string): Param<number | undefined, number> => ({
  unit,
  doc,
  required: false,
  defaultText: '',
  parse: (path, v) => (v === undefined ? undefined : finiteNumber(path, v, { exclusiveMin: 0 })),
});
/** A required finite number. */
export const anyNumber = (unit: string, doc: string) => numberParam(unit, doc, true as const, undefined, {});
/** An optional number with a default, optionally bounded below. */
export const numberOr = (unit: string, doc: string, def: number, opts: NumberOpts = {}) => numberParam(unit, doc, false as const, def, opts);

/** An integer in [min, max]; optional when a default is given. */
export function integerParam(doc: string, min: number, max: number, def?: number): Param<number> {
  return {
    unit: '',
    doc,
    required: def === undefined,
    defaultText: def === undefined ? '' : String(def),
    parse(path, v) {
      if (v === undefined && def !== undefined) return def;
      required(path, v);
      return checkInteger(path, v, min, max);
    },
  };
}

/** One of fixed strings; optional when a default is given. */
export function choice<T extends string>(doc: string, choices: readonly T[], def?: T): Param<T> {
  return {
    unit: '',
    doc: `${doc} (${choices.map((c) => `'${c}'`).join(', ')})`,
    required: def === undefined,
    defaultText: def === undefined ? '' : `'${def}'`,
    parse(path, v) {
      if (v === undefined && def !== undefined) return def;
      required(path, v);
      return oneOf(path, v, choices);
    },
  };
}

/** A required array of finite numbers. */
export const numbers = (unit: string, doc: string): Param<number[]> => ({
  unit,
  doc,
  required: true,
  defaultText: '',
  parse(path, v) {
    required(path, v);
    if (!Array.isArray(v)) throw new TypeError(`${path} must be an array of numbers${unit ? ` (${unit})` : ''}, got ${show(v)}`);
    return v.map((x, i) => finiteNumber(`${path}[${i}]`, x));
  },
});

/** An optional array of numbers ≥ 0 (undefined when absent). */
export const optionalNumbers = (unit: string, doc: string): Param<number[] | undefined, number[]> => ({
  unit,
  doc,
  required: false,
  defaultText: '',
  parse(path, v) {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new TypeError(`${path} must be an array of numbers${unit ? ` (${unit})` : ''}, got ${show(v)}`);
    return v.map((x, i) => finiteNumber(`${path}[${i}]`, x, { min: 0 }));
  },
});

/** An optional string (the display name). */
export const text = (doc: string): Param<string> => ({
  unit: '',
  doc,
  required: false,
  defaultText: "''",
  parse: (_path, v) => (v === undefined ? '' : String(v)),
});

/** An optional boolean (undefined when absent). */
export const optionalFlag = (doc: string): Param<boolean | undefined, boolean> => ({
  unit: '',
  doc,
  required: false,
  defaultText: '',
  parse(path, v) {
    if (v === undefined || typeof v === 'boolean') return v;
    throw new TypeError(`${path} must be true or false, got ${show(v)}`);
  },
});

/** A boolean with a default. */
export const flag = (doc: string, def: boolean): Param<boolean> => ({
  unit: '',
  doc,
  required: false,
  defaultText: String(def),
  parse(path, v) {
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw new TypeError(`${path} must be true or false, got ${show(v)}`);
    return v;
  },
});

/** An optional list of distinct integers in [min, max] (undefined when absent). */
export const optionalIndices = (doc: string, min: number, max: number): Param<number[] | undefined, number[]> => ({
  unit: '',
  doc,
  required: false,
  defaultText: '',
  parse(path, v) {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0) throw new TypeError(`${path} must be a non-empty array of integers, got ${show(v)}`);
    const out = v.map((x, i) => checkInteger(`${path}[${i}]`, x, min, max));
    const twice = out.find((x, i) => out.indexOf(x) !== i);
    if (twice !== undefined) throw new RangeError(`${path} lists ${twice} twice`);
    return out;
  },
});

/** A number, or an array of numbers (one per item); resolved as an array (one element for a single number). */
export const perStrut = (unit: string, doc: string, def: number, opts: { above?: number } = {}): Param<number[], number | number[]> => ({
  unit,
  doc,
  required: false,
  defaultText: String(def),
  parse(path, v) {
    if (v === undefined) return [def];
    const check = (p: string, x: unknown) => finiteNumber(p, x, { exclusiveMin: opts.above });
    if (Array.isArray(v)) {
      if (v.length === 0) throw new TypeError(`${path} must be a number or a non-empty array of numbers`);
      return v.map((x, i) => check(`${path}[${i}]`, x));
    }
    return [check(path, v)];
  },
});

/** The one of `keys` that `p` gives; throws naming the optic unless exactly one is given. */
export function exactlyOne<K extends string>(p: Partial<Record<K, number>>, keys: readonly [K, K], path: string): K {
  const given = keys.filter((k) => p[k] !== undefined);
  if (given.length !== 1) throw new TypeError(`${path} needs exactly one of ${keys.join(' or ')}`);
  return given[0]!;
}

/** A hexagon's side from `side` or `flatToFlat` (= side·√3), exactly one of them given. */
export function hexagonSide(p: { side?: number; flatToFlat?: number }, path: string): number {
  return exactlyOne(p, ['side', 'flatToFlat'], path) === 'side' ? p.side! : p.flatToFlat! / Math.sqrt(3);
}
