/**
 * Segmented apertures: hexagons or circles on a hexagonal lattice, numbered
 * and placed as POPPY's MultiHexagonAperture and MultiCircularAperture place
 * them (see segments.ts). Each is one union of primitives, so edges are
 * anti-aliased like every analytic optic's.
 */
import type { NativeLayer } from '../binding';
import { circle, defineOptic, type Placement, polygon, registerOpticClass, shape } from './optic';
import { finiteNumber, knownKeys, show } from '../validate';
import { flag, integerParam, numberOr, optionalIndices, optionalPositive, type Param, positive } from './params';
import { hexikeToZernike, MAX_HEXIKE_TERMS } from './hexikes';
import { ringOf, segmentCentre, segmentIndices, segmentsInsideRing } from './segments';

/** Rings of segments an aperture may have (ring 50 holds 300 segments; 7651 in all). */
const MAX_RINGS = 50;
const MAX_SEGMENT = segmentsInsideRing(MAX_RINGS + 1) - 1;

const layout = {
  rings: integerParam('Rings of segments around the centre (2: JWST-like, 3: Keck-like)', 0, MAX_RINGS, 1),
  segments: optionalIndices(`Only these segments (0: centre, 1: above it, then clockwise, ring by ring); overrides rings and center`, 0, MAX_SEGMENT),
  gap: numberOr('m', 'Gap between adjacent segments', 0.01, { min: 0 }),
};

/** Segment indices and centres, and the reach of the outermost segment's centre. */
function placeSegments(p: { rings: number; segments?: number[] }, center: boolean, spacing: number) {
  const indices = segmentIndices(p.rings, center, p.segments);
  const centres = indices.map((i) => segmentCentre(i, spacing));
  const reach = Math.max(...centres.map(([x, y]) => Math.hypot(x, y)));
  const rings = p.segments ? Math.max(...p.segments.map(ringOf)) : p.rings;
  return { indices, centres, reach, rings };
}

/**
 * Hexagonal segments on a hexagonal lattice, numbered as POPPY numbers them; give side or flatToFlat (default
 * flatToFlat 1 m). Parameters: rings, default 1; segments, optional; gap (m), default 0.01; side (m), optional;
 * flatToFlat (m), optional; center, default false. Reference: docs/optics.md.
 */
export const MultiHexagonAperture = defineOptic({
  type: 'MultiHexagonAperture',
  doc: 'Hexagonal segments on a hexagonal lattice, numbered as POPPY numbers them; give side or flatToFlat (default flatToFlat 1 m).',
  params: {
    ...layout,
    side: optionalPositive('m', 'Segment side length (= circumradius)'),
    flatToFlat: optionalPositive('m', 'Segment flat-to-flat width (= side·√3)'),
    center: flag('Include the central segment (when segments is not given)', false),
  },
  planes: ['pupil'],
  finish: (p, path) => {
    if (p.side !== undefined && p.flatToFlat !== undefined) throw new TypeError(`${path} takes side or flatToFlat, not both`);
    const side = p.side ?? (p.flatToFlat ?? 1) / Math.sqrt(3);
    const spacing = side * Math.sqrt(3) + p.gap;
    return { segmentSide: side, spacing, ...placeSegments(p, p.center, spacing) };
  },
  pupilDiameter: (p) => p.spacing * (2 * p.rings + 1),
  outside: () => 0,
  extent: (p) => p.reach + p.segmentSide,
  layers: (p, at) => [
    shape(
      p.centres.map(([x, y]) => ({ ...polygon(6, p.segmentSide, 0), x, y })),
      false,
      at,
    ),
  ],
});

/**
 * Circular segments on a hexagonal lattice, numbered as POPPY numbers them. Parameters: rings, default 1; segments,
 * optional; gap (m), default 0.01; segmentRadius (m); center, default true. Reference: docs/optics.md.
 */
export const MultiCircularAperture = defineOptic({
  type: 'MultiCircularAperture',
  poppyGray: true,
  doc: 'Circular segments on a hexagonal lattice, numbered as POPPY numbers them.',
  params: {
    ...layout,
    segmentRadius: positive('m', 'Radius of each circular segment'),
    center: flag('Include the central segment (when segments is not given)', true),
  },
  planes: ['pupil'],
  finish: (p) => {
    const spacing = 2 * p.segmentRadius + p.gap;
    return { spacing, ...placeSegments(p, p.center, spacing) };
  },
  pupilDiameter: (p) => 2 * p.segmentRadius * (2 * p.rings + 1) + 2 * p.rings * p.gap,
  outside: () => 0,
  extent: (p) => p.reach + p.segmentRadius,
  layers: (p, at) => [
    shape(
      p.centres.map(([x, y]) => ({ ...circle(p.segmentRadius), x, y })),
      false,
      at,
    ),
  ],
});

/** Piston (m), tip and tilt (rad) of one segment, and hexike terms over it (m RMS, Noll order from piston). */
export interface SegmentTerms {
  piston?: number;
  tip?: number;
  tilt?: number;
  /** Hexikes over the segment's hexagon (circumradius = side), from H1 (piston); SegmentedWFE only. */
  hexike?: number[];
}

type Terms = Required<SegmentTerms>;

/** A map from segment index to its terms (JSON object keys are the indices). */
const segmentTerms = (doc: string, opts: { required: boolean; hexikes: boolean }): Param<Record<string, Terms>, Record<number | string, SegmentTerms>> => ({
  unit: 'm, rad',
  doc,
  required: opts.required,
  defaultText: opts.required ? '' : 'flat',
  parse(path, v) {
    if (v === undefined && !opts.required) return Object.create(null);
    const names = opts.hexikes ? ['piston', 'tip', 'tilt', 'hexike'] : ['piston', 'tip', 'tilt'];
    const shape = `{ ${names.join(', ')} }`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${path} must be an object of segment index → ${shape}, got ${show(v)}`);
    const out: Record<string, Terms> = Object.create(null);
    for (const [key, terms] of Object.entries(v)) {
      const at = `${path}[${JSON.stringify(key)}]`;
      if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) > MAX_SEGMENT) throw new RangeError(`${at}: keys are segment indices 0 … ${MAX_SEGMENT}`);
      if (terms === null || typeof terms !== 'object' || Array.isArray(terms)) throw new TypeError(`${at} must be an object ${shape}, got ${show(terms)}`);
      knownKeys(`${at}.`, terms, names);
      const t = terms as Record<string, unknown>;
      const term = (k: string) => (t[k] === undefined ? 0 : finiteNumber(`${at}.${k}`, t[k]));
      out[key] = { piston: term('piston'), tip: term('tip'), tilt: term('tilt'), hexike: hexikeTerms(`${at}.hexike`, t.hexike) };
    }
    return out;
  },
});

function hexikeTerms(path: string, v: unknown): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new TypeError(`${path} must be an array of hexike coefficients (m RMS), got ${show(v)}`);
  if (v.length > MAX_HEXIKE_TERMS) throw new RangeError(`${path}: at most ${MAX_HEXIKE_TERMS} hexike terms, got ${v.length}`);
  return v.map((x, i) => finiteNumber(`${path}[${i}]`, x));
}

type Layout = ReturnType<typeof placeSegments> & { segmentSide: number; spacing: number };

/** A MultiHexagonAperture layout whose segments include every index `terms` names. */
function segmentLayout(p: Parameters<NonNullable<typeof MultiHexagonAperture.definition.finish>>[0], terms: Record<string, unknown>, where: string): Layout {
  const layout = MultiHexagonAperture.definition.finish!(p, where.replace(/\.\w+$/, ''));
  for (const key of Object.keys(terms)) {
    if (!layout.indices.includes(Number(key)))
      throw new RangeError(`${where}[${JSON.stringify(key)}]: segment ${key} is not in this layout (${layout.indices.length} segments)`);
  }
  return layout;
}

/** The OPD layer of per-segment piston, tip and tilt (times `factor`: 2 for a mirror's surface). */
function segmentOpdLayer(layout: Layout, terms: Record<string, Terms>, factor: number, at: Placement): NativeLayer {
  const listed = Object.entries(terms).filter(([, w]) => w.piston !== 0 || w.tip !== 0 || w.tilt !== 0);
  const segments = listed.map(([key]) => {
    const [x, y] = segmentCentre(Number(key), layout.spacing);
    return { ...polygon(6, layout.segmentSide, 0), x, y };
  });
  const each = (k: 'piston' | 'tip' | 'tilt') => listed.map(([, w]) => factor * w[k]);
  return { kind: 'segmentOpd', segments, piston: each('piston'), tip: each('tip'), tilt: each('tilt'), ...at };
}

/** One hexike layer per segment that has hexike terms, centred on the segment (its centre turned and shifted with the optic). */
function segmentHexikeLayers(layout: Layout, terms: Record<string, Terms>, at: Placement): NativeLayer[] {
  const [c, s] = [Math.cos(at.rotation), Math.sin(at.rotation)]; // radians
  return Object.entries(terms)
    .filter(([, w]) => w.hexike.some((h) => h !== 0))
    .map(([key, w]) => {
      const [x, y] = segmentCentre(Number(key), layout.spacing);
      const place = { shiftX: at.shiftX + c * x - s * y, shiftY: at.shiftY + s * x + c * y, rotation: at.rotation };
      return { kind: 'zernike', radius: layout.segmentSide, coefficients: hexikeToZernike(w.hexike), hexagon: true, ...place };
    });
}

/**
 * Piston, tip, tilt and hexike terms per segment of a MultiHexagonAperture layout: OPD = piston + tip·(x − xc) +
 * tilt·(y − yc) + Σ hexike_k·H_k over each segment's hexagon. Parameters: segmentWfe (m, rad); rings, default 1; segments, optional; gap (m), default
 * 0.01; side (m), optional; flatToFlat (m), optional; center, default false. Reference: docs/optics.md.
 */
export const SegmentedWFE = defineOptic({
  type: 'SegmentedWFE',
  doc: "Piston, tip, tilt and hexike terms per segment of a MultiHexagonAperture layout: OPD = piston + tip·(x − xc) + tilt·(y − yc) + Σ hexike_k·H_k over each segment's hexagon.",
  params: {
    segmentWfe: segmentTerms('Terms per segment index: piston (m OPD), tip and tilt (rad, OPD slope along x and y), hexike (m RMS over the segment)', {
      required: true,
      hexikes: true,
    }),
    ...MultiHexagonAperture.definition.params,
  },
  planes: ['pupil'],
  finish: (p, path) => segmentLayout(p, p.segmentWfe, `${path}.segmentWfe`),
  extent: (p) => p.reach + p.segmentSide,
  layers: (p, at) => [segmentOpdLayer(p, p.segmentWfe, 1, at), ...segmentHexikeLayers(p, p.segmentWfe, at)],
});

const HexSegmentedDmDefinition = defineOptic({
  type: 'HexSegmentedDeformableMirror',
  doc: 'A segmented deformable mirror: hexagonal segments of a MultiHexagonAperture layout, each with piston, tip and tilt (tip multiplies x, as in POPPY); OPD = 2 × surface on reflection. Set segments with setActuator and flatten.',
  params: {
    ...MultiHexagonAperture.definition.params,
    // POPPY's defaults for its HexSegmentedDeformableMirror.
    rings: integerParam('Rings of segments around the centre', 0, MAX_RINGS, 3),
    center: flag('Include the central segment (when segments is not given)', true),
    surface: segmentTerms('Surface per segment index: piston (m), tip and tilt (rad)', { required: false, hexikes: false }),
    includeFactorOfTwo: flag('OPD = 2 × surface (a reflection); false: OPD = surface', true),
  },
  planes: ['pupil'],
  finish: (p, path) => segmentLayout(p, p.surface, `${path}.surface`),
  pupilDiameter: (p) => p.spacing * (2 * p.rings + 1),
  outside: () => 0,
  extent: (p) => p.reach + p.segmentSide,
  layers: (p, at) => [...MultiHexagonAperture.definition.layers(p, at, 'airy'), segmentOpdLayer(p, p.surface, p.includeFactorOfTwo ? 2 : 1, at)],
  toJson: (p) => {
    const json: Record<string, unknown> = p.segments ? { segments: p.segments } : { rings: p.rings, center: p.center };
    if (p.side !== undefined) json.side = p.side;
    if (p.flatToFlat !== undefined) json.flatToFlat = p.flatToFlat;
    json.gap = p.gap;
    if (!p.includeFactorOfTwo) json.includeFactorOfTwo = false;
    const set = Object.entries(p.surface).filter(([, w]) => w.piston !== 0 || w.tip !== 0 || w.tilt !== 0);
    if (set.length) json.surface = Object.fromEntries(set.map(([k, w]) => [k, { piston: w.piston, tip: w.tip, tilt: w.tilt }]));
    return json;
  },
});

/**
 * A segmented deformable mirror: hexagonal segments of a MultiHexagonAperture layout, each with piston, tip and
 * tilt (tip multiplies x, as in POPPY); OPD = 2 × surface on reflection. Set segments with setActuator and flatten.
 * Parameters: rings, default 3; segments, optional; gap (m), default 0.01; side (m), optional; flatToFlat (m),
 * optional; center, default true; surface (m, rad), default flat; includeFactorOfTwo, default true. Reference:
 * docs/optics.md.
 */
export class HexSegmentedDeformableMirror extends HexSegmentedDmDefinition {
  /** Sets segment `segment` to `piston` metres and `tip`, `tilt` radians of surface. */
  setActuator(segment: number, piston: number, tip = 0, tilt = 0): void {
    if (!this.indices.includes(segment)) throw new RangeError(`setActuator: segment ${show(segment)} is not in this mirror (${this.indices.length} segments)`);
    for (const [name, v] of [
      ['piston', piston],
      ['tip', tip],
      ['tilt', tilt],
    ] as const) {
      if (!Number.isFinite(v)) throw new RangeError(`setActuator: ${name} must be a finite number, got ${show(v)}`);
    }
    this.surface[String(segment)] = { piston, tip, tilt, hexike: [] };
    this.markChanged();
  }
  /** Sets every segment flat. */
  flatten(): void {
    for (const key of Object.keys(this.surface)) delete this.surface[key];
    this.markChanged();
  }
}
registerOpticClass(HexSegmentedDeformableMirror);
