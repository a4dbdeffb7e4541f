/** Optics that act everywhere or on the phase: scalar transmission, compound optics, Zernike WFE, defocus. */
import type { NativeLayer } from '../binding';
import { combinedExtent, defineOptic, memberOptic, memberOptics, opdInside, type Placement, type PlaneKind, wholePlane } from './optic';
import { hexikeToZernike, MAX_HEXIKE_TERMS } from './hexikes';
import { anyNumber, choice, numberOr, numbers, positive } from './params';

/**
 * Uniform amplitude transmission everywhere in the plane. Parameters: transmission, default 1. Reference:
 * docs/optics.md.
 */
export const ScalarTransmission = defineOptic({
  type: 'ScalarTransmission',
  doc: 'Uniform amplitude transmission everywhere in the plane.',
  params: { transmission: numberOr('', 'Amplitude transmission (0…1)', 1, { min: 0 }) },
  planes: ['pupil', 'image'],
  outside: (p) => p.transmission,
  extent: () => 0,
  layers: (p, at) => [{ kind: 'scalar', value: p.transmission, ...at }],
});

/**
 * Several optics acting as one: transmissions multiply, OPDs add. Shift and rotate the members. Parameters:
 * optics. Reference: docs/optics.md.
 */
export const CompoundOptic = defineOptic({
  type: 'CompoundOptic',
  doc: 'Several optics acting as one: transmissions multiply, OPDs add. Shift and rotate the members.',
  params: { optics: memberOptics('Member optics') },
  placed: false,
  planes: (p) => (['pupil', 'image'] as PlaneKind[]).filter((k) => p.optics.every((o) => o.planes.includes(k))),
  pupilDiameter: (p) => {
    const d = p.optics.map((o) => o.pupilDiameter()).filter((x): x is number => x !== undefined);
    return d.length ? Math.max(...d) : undefined;
  },
  outside: (p) => p.optics.reduce((a, o) => a * o.outside(), 1),
  extent: (p) => combinedExtent(p.optics),
  layers: (p, _at, conventions) => p.optics.flatMap((o) => o.layers(conventions)),
  toJson: (p) => ({ optics: p.optics.map((o) => o.toJSON()) }),
});

/**
 * Wavefront error as a sum of Noll-normalised Zernike terms, zero outside the radius. Parameters: radius (m);
 * coefficients (m RMS). Reference: docs/optics.md.
 */
export const ZernikeWFE = defineOptic({
  type: 'ZernikeWFE',
  doc: 'Wavefront error as a sum of Noll-normalised Zernike terms, zero outside the radius.',
  params: {
    radius: positive('m', 'Radius over which the polynomials are normalised'),
    coefficients: numbers('m RMS', 'Coefficients in Noll order from j = 1 (piston)'),
  },
  planes: ['pupil'],
  pupilDiameter: (p) => 2 * p.radius,
  extent: (p) => p.radius,
  layers: (p, at) => [{ kind: 'zernike', radius: p.radius, coefficients: p.coefficients, ...at }],
});

/**
 * Defocus: OPD = nwaves·λref·(2ρ² − 1)/2 inside the radius (peak to valley nwaves·λref). Parameters: nwaves
 * (waves); referenceWavelength (m); radius (m). Reference: docs/optics.md.
 */
export const ThinLens = defineOptic({
  type: 'ThinLens',
  doc: 'Defocus: OPD = nwaves·λref·(2ρ² − 1)/2 inside the radius (peak to valley nwaves·λref).',
  params: {
    nwaves: anyNumber('waves', 'Defocus, peak to valley over the radius, at referenceWavelength'),
    referenceWavelength: positive('m', 'Wavelength the wave count refers to'),
    radius: positive('m', 'Radius of the lens (the defocus normalisation)'),
  },
  planes: ['pupil'],
  pupilDiameter: (p) => 2 * p.radius,
  extent: (p) => p.radius,
  layers: (p, at) => [{ kind: 'thinLens', radius: p.radius, halfPeakToValley: (p.nwaves * p.referenceWavelength) / 2, ...at }],
});

/** Radians per arcsecond. */
const ARCSEC = Math.PI / 180 / 3600;

/**
 * A uniform optical path difference everywhere in the plane. Parameters: opd (m), default 0.000001. Reference:
 * docs/optics.md.
 */
export const ScalarOpticalPathDifference = defineOptic({
  type: 'ScalarOpticalPathDifference',
  doc: 'A uniform optical path difference everywhere in the plane.',
  params: { opd: numberOr('m', 'Optical path difference', 1e-6) },
  planes: ['pupil', 'image'],
  layers: (p, at) => [opdInside([wholePlane()], p.opd, at)],
});

/**
 * A wavefront tilt that moves the image by tipArcsec along +x and tiltArcsec along +y: OPD = −(tip·x + tilt·y), the
 * angles in radians. Parameters: tipArcsec (arcsec), default 0; tiltArcsec (arcsec), default 0. Reference:
 * docs/optics.md.
 */
export const TipTilt = defineOptic({
  type: 'TipTilt',
  doc: 'A wavefront tilt that moves the image by tipArcsec along +x and tiltArcsec along +y: OPD = −(tip·x + tilt·y), the angles in radians.',
  params: {
    tipArcsec: numberOr('arcsec', 'Image motion along +x', 0),
    tiltArcsec: numberOr('arcsec', 'Image motion along +y', 0),
  },
  planes: ['pupil'],
  layers: (p, at) => [opdInside([wholePlane()], 0, at, -p.tipArcsec * ARCSEC, -p.tiltArcsec * ARCSEC)],
});

/**
 * 1 − T of an optic made of one analytic shape (an aperture, obscuration, occulter or field stop): what it blocks
 * is transmitted and what it transmits is blocked. Parameters: optic. Reference: docs/optics.md.
 */
export const InverseTransmission = defineOptic({
  type: 'InverseTransmission',
  doc: '1 − T of an optic made of one analytic shape (an aperture, obscuration, occulter or field stop): what it blocks is transmitted and what it transmits is blocked.',
  params: { optic: memberOptic('The optic to invert') },
  placed: false,
  planes: (p) => p.optic.planes,
  finish: (p, path) => {
    const layers = p.optic.layers();
    if (layers.length !== 1 || layers[0]!.kind !== 'shape') {
      throw new RangeError(`${path}.optic: InverseTransmission inverts optics of one analytic shape; ${p.optic.type} is not one`);
    }
    return {};
  },
  outside: (p) => 1 - p.optic.outside(),
  extent: (p) => p.optic.extent() + Math.hypot(p.optic.shiftX, p.optic.shiftY),
  layers: (p, _at, conventions) => p.optic.layers(conventions).map((l) => (l.kind === 'shape' ? { ...l, invert: !l.invert } : l)),
  toJson: (p) => ({ optic: p.optic.toJSON() }),
});

/**
 * Wavefront error as a sum of hexikes — Zernikes orthonormalised over the regular hexagon of circumradius radius
 * (vertices on ±x, as HexagonAperture), Noll order, each of RMS 1 over it — zero outside the hexagon. Parameters:
 * radius (m); coefficients (m RMS). Reference: docs/optics.md.
 */
export const HexikeWFE = defineOptic({
  type: 'HexikeWFE',
  doc: 'Wavefront error as a sum of hexikes — Zernikes orthonormalised over the regular hexagon of circumradius radius (vertices on ±x, as HexagonAperture), Noll order, each of RMS 1 over it — zero outside the hexagon.',
  params: {
    radius: positive('m', 'Circumradius of the hexagon the terms are orthonormal over'),
    coefficients: numbers('m RMS', `Coefficients in Noll order from j = 1 (piston), at most ${MAX_HEXIKE_TERMS}`),
  },
  planes: ['pupil'],
  finish: (p, path) => checkHexikeTerms(p.coefficients, path),
  pupilDiameter: (p) => 2 * p.radius,
  extent: (p) => p.radius,
  layers: (p, at) => [hexikeLayer(p.radius, p.coefficients, at)],
});

function checkHexikeTerms(coefficients: readonly number[], path: string): object {
  if (coefficients.length > MAX_HEXIKE_TERMS)
    throw new RangeError(`${path}.coefficients: at most ${MAX_HEXIKE_TERMS} hexike terms, got ${coefficients.length}`);
  return {};
}

/** Hexikes as the Zernike combination they are, clipped to the hexagon. */
function hexikeLayer(radius: number, coefficients: readonly number[], at: Placement): NativeLayer {
  return { kind: 'zernike', radius, coefficients: hexikeToZernike(coefficients), hexagon: true, ...at };
}

/**
 * Wavefront error in a named basis: 'zernike' (over the circle of radius radius) or 'hexike' (over the hexagon of
 * circumradius radius). Parameters: basis; radius (m); coefficients (m RMS). Reference: docs/optics.md.
 */
export const ParameterizedWFE = defineOptic({
  type: 'ParameterizedWFE',
  doc: "Wavefront error in a named basis: 'zernike' (over the circle of radius radius) or 'hexike' (over the hexagon of circumradius radius).",
  params: {
    basis: choice('Polynomial basis', ['zernike', 'hexike'] as const),
    radius: positive('m', 'Radius of the circle, or circumradius of the hexagon'),
    coefficients: numbers('m RMS', 'Coefficients in Noll order from j = 1 (piston)'),
  },
  planes: ['pupil'],
  finish: (p, path) => {
    if (p.basis === 'hexike' && p.coefficients.length > MAX_HEXIKE_TERMS)
      throw new RangeError(`${path}.coefficients: at most ${MAX_HEXIKE_TERMS} hexike terms, got ${p.coefficients.length}`);
    return {};
  },
  pupilDiameter: (p) => 2 * p.radius,
  extent: (p) => p.radius,
  layers: (p, at) => [
    p.basis === 'hexike' ? hexikeLayer(p.radius, p.coefficients, at) : { kind: 'zernike', radius: p.radius, coefficients: p.coefficients, ...at },
  ],
});

/**
 * A sinusoidal ripple across the plane, OPD = amplitude·sin(2π(spatialFrequency·x + phaseOffset)); rotate it to
 * turn its direction. Parameters: spatialFrequency (1/m), default 1; amplitude (m), default 0.000001; phaseOffset
 * (cycles), default 0. Reference: docs/optics.md.
 */
export const SineWaveWFE = defineOptic({
  type: 'SineWaveWFE',
  doc: 'A sinusoidal ripple across the plane, OPD = amplitude·sin(2π(spatialFrequency·x + phaseOffset)); rotate it to turn its direction.',
  params: {
    spatialFrequency: numberOr('1/m', 'Ripples per metre along x', 1, { min: 0 }),
    amplitude: numberOr('m', 'Peak OPD', 1e-6),
    phaseOffset: numberOr('cycles', 'Phase of the ripple at x = 0', 0),
  },
  planes: ['pupil'],
  layers: (p, at) => [{ kind: 'sine', frequency: p.spatialFrequency, amplitude: p.amplitude, phase: p.phaseOffset, ...at }],
});
