/** The optics catalogue: every optic, declared once (see optic.ts). */
export { Optic, defineOptic, opticFromJson, opticTypes, combinedExtent, samplePlane } from './optic';
export type { Conventions, Grid, Rect, PlaneKind, Placement, PlacementParams, OpticClass, OpticDef } from './optic';
export type { Param, ParamSpecs, ParseContext } from './params';
export * from './apertures';
export * from './segmented';
export { segmentCentre, segmentIndices, ringOf } from './segments';
export * from './wavefront';
export * from './random-wfe';
export * from './masks';
export * from './arrays';
export * from './dms';
export { zernike, nollToNM, besselJ0, besselJ1 } from './functions';
export { hexikeCoefficients, hexikeToZernike, MAX_HEXIKE_TERMS } from './hexikes';
export { composeOpd, decomposeOpd } from './decompose';
export { decomposeSegmentedOpd } from './decompose-segments';
export type { SegmentDecomposeOptions } from './decompose-segments';
export { normals, powerSpectrum, randomScreen } from './screens';
export type { ScreenSpec } from './screens';
export type { BasisGrid, DecomposeOptions } from './decompose';
export type { PsdModel } from './random-wfe';
export { opticsReference, opticSummary } from './reference';

import './apertures';
import './segmented';
import './wavefront';
import './random-wfe';
import './masks';
import './arrays';
import './dms';
import { type OpticClass, opticTypes } from './optic';
import type { ParamSpecs } from './params';

/** Every optic class by JSON type name (a null-prototype record: only optic names are keys). */
export const OPTIC_TYPES: Readonly<Record<string, OpticClass<ParamSpecs>>> = Object.freeze(
  Object.assign(Object.create(null), Object.fromEntries(opticTypes())),
);
