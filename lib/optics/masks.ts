/** Image-plane masks: occulters, field stops, phase masks. Sampled per wavelength in native code. */
import { annulus, bar, circle, DEG, defineOptic, halfPlane, opdInside, polygon, rect, shape } from './optic';
import { choice, hexagonSide, integerParam, numberOr, optionalPositive, positive } from './params';

/**
 * Opaque circular spot in an image plane. Parameters: radius (arcsec). Reference: docs/optics.md.
 */
export const CircularOcculter = defineOptic({
  type: 'CircularOcculter',
  poppyGray: true,
  doc: 'Opaque circular spot in an image plane.',
  params: { radius: positive('arcsec', 'Radius') },
  planes: ['image'],
  extent: (p) => p.radius,
  layers: (p, at) => [shape([circle(p.radius)], true, at)],
});

/**
 * Transmits an annulus radiusInner < r < radiusOuter of an image plane; with no radiusOuter, an occulter of radius
 * radiusInner. Parameters: radiusInner (arcsec), default 0; radiusOuter (arcsec), optional. Reference: docs/optics.md.
 */
export const AnnularFieldStop = defineOptic({
  type: 'AnnularFieldStop',
  poppyGray: true,
  doc: 'Transmits an annulus radiusInner < r < radiusOuter of an image plane; with no radiusOuter, an occulter of radius radiusInner.',
  params: {
    radiusInner: numberOr('arcsec', 'Inner radius (opaque inside)', 0, { min: 0 }),
    radiusOuter: optionalPositive('arcsec', 'Outer radius (opaque outside; none: unbounded)'),
  },
  planes: ['image'],
  finish: (p, path) => {
    if (p.radiusOuter === undefined && !(p.radiusInner > 0))
      throw new RangeError(`${path} needs radiusOuter, or radiusInner > 0 for an occulter, got radiusInner ${p.radiusInner}`);
    if (p.radiusOuter !== undefined && p.radiusInner >= p.radiusOuter)
      throw new RangeError(`${path}.radiusInner must be smaller than radiusOuter, got ${p.radiusInner} >= ${p.radiusOuter}`);
    return {};
  },
  outside: (p) => (p.radiusOuter === undefined ? 1 : 0),
  extent: (p) => p.radiusOuter ?? p.radiusInner,
  layers: (p, at) => (p.radiusOuter === undefined ? [shape([circle(p.radiusInner)], true, at)] : [shape([annulus(p.radiusInner, p.radiusOuter)], false, at)]),
});

/**
 * Transmits a square of an image plane. Parameters: size (arcsec). Reference: docs/optics.md.
 */
export const SquareFieldStop = defineOptic({
  type: 'SquareFieldStop',
  doc: 'Transmits a square of an image plane.',
  params: { size: positive('arcsec', 'Side length') },
  planes: ['image'],
  outside: () => 0,
  extent: (p) => (p.size * Math.SQRT2) / 2,
  layers: (p, at) => [shape([rect(p.size, p.size)], false, at)],
});

/**
 * Opaque bar through an image plane, along +y before rotation: infinite, or `length` long (then an MFT box can hold
 * it). Parameters: width (arcsec); length (arcsec), optional; angle (deg), default 0. Reference: docs/optics.md.
 */
export const BarOcculter = defineOptic({
  type: 'BarOcculter',
  doc: 'Opaque bar through an image plane, along +y before rotation: infinite, or `length` long (then an MFT box can hold it).',
  params: {
    width: positive('arcsec', 'Bar width'),
    length: optionalPositive('arcsec', 'Bar length (none: infinite)'),
    angle: numberOr('deg', 'Bar angle, counter-clockwise from +y (added to rotation)', 0),
  },
  planes: ['image'],
  extent: (p) => (p.length === undefined ? Infinity : Math.hypot(p.width, p.length) / 2),
  layers: (p, at) => [shape([p.length === undefined ? bar(p.width) : rect(p.width, p.length)], true, { ...at, rotation: at.rotation + p.angle * DEG })],
});

/**
 * Four-quadrant phase mask: OPD of half the design wavelength in the (+,+) and (−,−) quadrants. Parameters:
 * wavelength (m). Reference: docs/optics.md.
 */
export const IdealFQPM = defineOptic({
  type: 'IdealFQPM',
  doc: 'Four-quadrant phase mask: OPD of half the design wavelength in the (+,+) and (−,−) quadrants.',
  params: { wavelength: positive('m', 'Design wavelength: the phase step is π there') },
  planes: ['image'],
  layers: (p, at) => [{ kind: 'fqpm', step: p.wavelength / 2, ...at }],
});

/**
 * Band-limited image-plane amplitude mask (Kuchner & Traub 2002): 1 − [2J1(σr)/(σr)]² ('circular') or 1 −
 * [sin(σx)/(σx)]² ('linear'). Parameters: kind; sigma (1/arcsec); wavelength (m), optional. Reference:
 * docs/optics.md.
 */
export const BandLimitedCoronagraph = defineOptic({
  type: 'BandLimitedCoronagraph',
  doc: "Band-limited image-plane amplitude mask (Kuchner & Traub 2002): 1 − [2J1(σr)/(σr)]² ('circular') or 1 − [sin(σx)/(σx)]² ('linear').",
  params: {
    kind: choice('Mask profile', ['circular', 'linear'] as const),
    sigma: positive('1/arcsec', 'Mask scale σ'),
    wavelength: optionalPositive('m', 'Design wavelength (recorded; the mask itself is achromatic in arcsec)'),
  },
  planes: ['image'],
  layers: (p, at) => [{ kind: 'bandLimited', circular: p.kind === 'circular', sigma: p.sigma, ...at }],
});

/**
 * Vortex phase mask, exp(i·charge·θ) with θ counter-clockwise from +x (plus rotation); dark on the axis. Ideal
 * (achromatic) without wavelength: by MFT, a padded FFT of the mask away from its centre plus an MFT box of its exact
 * transform around it. With a design wavelength the phase is charge·θ·wavelength/λ, sampled on the padded FFT.
 * Parameters: charge, default 2; wavelength (m), optional. Reference: docs/optics.md.
 */
export const VortexCoronagraph = defineOptic({
  type: 'VortexCoronagraph',
  doc: 'Vortex phase mask, exp(i·charge·θ) with θ counter-clockwise from +x (plus rotation); dark on the axis. Ideal (achromatic) without wavelength: by MFT, a padded FFT of the mask away from its centre plus an MFT box of its exact transform around it. With a design wavelength the phase is charge·θ·wavelength/λ, sampled on the padded FFT.',
  params: {
    charge: integerParam('Topological charge (the phase winds charge × 2π around the axis); not 0', -64, 64, 2),
    wavelength: optionalPositive('m', 'Design wavelength of a chromatic vortex: phase charge·θ·wavelength/λ (none: achromatic)'),
  },
  planes: ['image'],
  finish: (p, path) => {
    if (p.charge === 0) throw new RangeError(`${path}.charge must not be 0, got 0`);
    return {};
  },
  layers: (p, at) => {
    if (at.shiftX !== 0 || at.shiftY !== 0) throw new RangeError(`VortexCoronagraph cannot be shifted (shiftX ${at.shiftX}, shiftY ${at.shiftY})`);
    return [{ kind: 'vortex', charge: p.charge, ...(p.wavelength === undefined ? {} : { designWavelength: p.wavelength }), ...at }];
  },
});

/**
 * Transmits a rectangle of an image plane. Parameters: width (arcsec); height (arcsec). Reference: docs/optics.md.
 */
export const RectangularFieldStop = defineOptic({
  type: 'RectangularFieldStop',
  doc: 'Transmits a rectangle of an image plane.',
  params: { width: positive('arcsec', 'Extent along x'), height: positive('arcsec', 'Extent along y') },
  planes: ['image'],
  outside: () => 0,
  extent: (p) => Math.hypot(p.width, p.height) / 2,
  layers: (p, at) => [shape([rect(p.width, p.height)], false, at)],
});

/**
 * Transmits a regular hexagon of an image plane, vertices on ±x (as HexagonAperture); give side or flatToFlat.
 * Parameters: side (arcsec), optional; flatToFlat (arcsec), optional. Reference: docs/optics.md.
 */
export const HexagonFieldStop = defineOptic({
  type: 'HexagonFieldStop',
  doc: 'Transmits a regular hexagon of an image plane, vertices on ±x (as HexagonAperture); give side or flatToFlat.',
  params: {
    side: optionalPositive('arcsec', 'Side length (= circumradius)'),
    flatToFlat: optionalPositive('arcsec', 'Distance between opposite flat sides (= side·√3)'),
  },
  planes: ['image'],
  finish: (p, path) => ({ side: hexagonSide(p, path) }),
  outside: () => 0,
  extent: (p) => p.side,
  layers: (p, at) => [shape([polygon(6, p.side, 0)], false, at)],
});

/**
 * A half-infinite opaque plane with its edge through the origin along y, opaque for x > 0 (rotate it to turn the
 * edge). Reference: docs/optics.md.
 */
export const KnifeEdge = defineOptic({
  type: 'KnifeEdge',
  doc: 'A half-infinite opaque plane with its edge through the origin along y, opaque for x > 0 (rotate it to turn the edge).',
  params: {},
  planes: ['pupil', 'image'],
  layers: (_p, at) => [shape([halfPlane()], true, at)],
});

/**
 * Circular phase mask: an OPD of retardance × wavelength inside the radius (a phase of retardance waves at the
 * design wavelength). Parameters: radius (arcsec); wavelength (m); retardance (waves), default 0.5. Reference:
 * docs/optics.md.
 */
export const CircularPhaseMask = defineOptic({
  type: 'CircularPhaseMask',
  doc: 'Circular phase mask: an OPD of retardance × wavelength inside the radius (a phase of retardance waves at the design wavelength).',
  params: {
    radius: positive('arcsec', 'Radius of the mask'),
    wavelength: positive('m', 'Design wavelength'),
    retardance: numberOr('waves', 'Phase delay at the design wavelength', 0.5),
  },
  planes: ['image'],
  extent: (p) => p.radius,
  layers: (p, at) => [opdInside([circle(p.radius)], p.retardance * p.wavelength, at)],
});
