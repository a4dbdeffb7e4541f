/** Optics that act everywhere or on the phase: scalar transmission, compound optics, Zernike WFE, defocus. */
import { combinedExtent, defineOptic, memberOptics, type PlaneKind } from './optic';
import { anyNumber, numberOr, numbers, positive } from './params';

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
  layers: (p) => p.optics.flatMap((o) => o.layers()),
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
