/** Pupil apertures and obscurations: analytic shapes with anti-aliased edges. */
import { circle, DEG, defineOptic, polygon, rect, shape, spoke } from './optic';
import { exactlyOne, hexagonSide, integerParam, numberOr, numbers, optionalPositive, perStrut, positive } from './params';

/**
 * Clear circular aperture. Parameters: radius (m). Reference: docs/optics.md.
 */
export const CircularAperture = defineOptic({
  type: 'CircularAperture',
  poppyGray: true,
  doc: 'Clear circular aperture.',
  params: { radius: positive('m', 'Radius') },
  planes: ['pupil'],
  pupilDiameter: (p) => 2 * p.radius,
  outside: () => 0,
  extent: (p) => p.radius,
  layers: (p, at) => [shape([circle(p.radius)], false, at)],
});

/**
 * Clear square aperture (sides along x and y before rotation). Parameters: size (m). Reference: docs/optics.md.
 */
export const SquareAperture = defineOptic({
  type: 'SquareAperture',
  doc: 'Clear square aperture (sides along x and y before rotation).',
  params: { size: positive('m', 'Side length') },
  planes: ['pupil'],
  pupilDiameter: (p) => p.size * Math.SQRT2,
  outside: () => 0,
  extent: (p) => (p.size * Math.SQRT2) / 2,
  layers: (p, at) => [shape([rect(p.size, p.size)], false, at)],
});

/**
 * Clear rectangular aperture. Parameters: width (m); height (m). Reference: docs/optics.md.
 */
export const RectangleAperture = defineOptic({
  type: 'RectangleAperture',
  doc: 'Clear rectangular aperture.',
  params: { width: positive('m', 'Extent along x'), height: positive('m', 'Extent along y') },
  planes: ['pupil'],
  pupilDiameter: (p) => Math.hypot(p.width, p.height),
  outside: () => 0,
  extent: (p) => Math.hypot(p.width, p.height) / 2,
  layers: (p, at) => [shape([rect(p.width, p.height)], false, at)],
});

/**
 * Regular hexagon with vertices on ±x (flat sides at top and bottom); give side or flatToFlat. Parameters: side
 * (m), optional; flatToFlat (m), optional. Reference: docs/optics.md.
 */
export const HexagonAperture = defineOptic({
  type: 'HexagonAperture',
  doc: 'Regular hexagon with vertices on ±x (flat sides at top and bottom); give side or flatToFlat.',
  params: {
    side: optionalPositive('m', 'Side length (= circumradius)'),
    flatToFlat: optionalPositive('m', 'Distance between opposite flat sides (= side·√3)'),
  },
  planes: ['pupil'],
  finish: (p, path) => ({ side: hexagonSide(p, path) }),
  pupilDiameter: (p) => 2 * p.side,
  outside: () => 0,
  extent: (p) => p.side,
  layers: (p, at) => [shape([polygon(6, p.side, 0)], false, at)],
});

/**
 * Regular polygon with its first vertex on +x. Parameters: nsides; radius (m). Reference: docs/optics.md.
 */
export const NgonAperture = defineOptic({
  type: 'NgonAperture',
  doc: 'Regular polygon with its first vertex on +x.',
  params: { nsides: integerParam('Number of sides', 3, 1000), radius: positive('m', 'Circumradius') },
  planes: ['pupil'],
  pupilDiameter: (p) => 2 * p.radius,
  outside: () => 0,
  extent: (p) => p.radius,
  layers: (p, at) => [shape([polygon(p.nsides, p.radius, 0)], false, at)],
});

/**
 * Central obscuration with radial support struts (spiders), evenly spaced in angle. Parameters: secondaryRadius
 * (m); nSupports, default 4; supportWidth (m), default 0.01; supportAngleOffset (deg), default 0. Reference:
 * docs/optics.md.
 */
export const SecondaryObscuration = defineOptic({
  type: 'SecondaryObscuration',
  doc: 'Central obscuration with radial support struts (spiders), evenly spaced in angle.',
  params: {
    secondaryRadius: positive('m', 'Radius of the central obscuration'),
    nSupports: integerParam('Number of support struts', 0, 360, 4),
    supportWidth: numberOr('m', 'Strut width', 0.01, { above: 0 }),
    supportAngleOffset: numberOr('deg', 'Angle of the first strut, counter-clockwise from +y', 0),
  },
  planes: ['pupil'],
  pupilDiameter: (p) => 2 * p.secondaryRadius,
  extent: (p) => (p.nSupports === 0 ? p.secondaryRadius : Infinity),
  layers: (p, at) => {
    const parts = [circle(p.secondaryRadius)];
    for (let k = 0; k < p.nSupports; k++) parts.push(spoke(p.supportWidth, (p.supportAngleOffset + (360 / p.nSupports) * k) * DEG));
    return [shape(parts, true, at)];
  },
});

/**
 * Gaussian amplitude transmission exp(−(r/w)²); give fwhm or w (= fwhm / (2√ln 2)). The pupil diameter it implies
 * is 3 × fwhm, as in POPPY. Parameters: fwhm (m), optional; w (m), optional. Reference: docs/optics.md.
 */
export const GaussianAperture = defineOptic({
  type: 'GaussianAperture',
  doc: 'Gaussian amplitude transmission exp(−(r/w)²); give fwhm or w (= fwhm / (2√ln 2)). The pupil diameter it implies is 3 × fwhm, as in POPPY.',
  params: {
    fwhm: optionalPositive('m', 'Full width at half maximum of the amplitude'),
    w: optionalPositive('m', 'Beam width parameter'),
  },
  planes: ['pupil'],
  finish: (p, path) => ({ beamWidth: exactlyOne(p, ['fwhm', 'w'], path) === 'w' ? p.w! : p.fwhm! / (2 * Math.sqrt(Math.LN2)) }),
  pupilDiameter: (p) => 3 * p.beamWidth * 2 * Math.sqrt(Math.LN2),
  layers: (p, at) => [{ kind: 'gaussian', w: p.beamWidth, ...at }],
});

/**
 * Central obscuration with support struts at any angles, each with its own width and starting point. Parameters:
 * secondaryRadius (m); supportAngle (deg); supportWidth (m), default 0.01; supportOffsetX (m), default 0;
 * supportOffsetY (m), default 0. Reference: docs/optics.md.
 */
export const AsymmetricSecondaryObscuration = defineOptic({
  type: 'AsymmetricSecondaryObscuration',
  doc: 'Central obscuration with support struts at any angles, each with its own width and starting point.',
  params: {
    secondaryRadius: positive('m', 'Radius of the central obscuration'),
    supportAngle: numbers('deg', 'Angle of each strut, counter-clockwise from +y'),
    supportWidth: perStrut('m', 'Strut width: one for all, or one per strut', 0.01, { above: 0 }),
    supportOffsetX: perStrut('m', 'x of each strut’s starting point: one for all, or one per strut', 0),
    supportOffsetY: perStrut('m', 'y of each strut’s starting point: one for all, or one per strut', 0),
  },
  planes: ['pupil'],
  finish: (p, path) => {
    const n = p.supportAngle.length;
    const each = (v: number[], name: string) => {
      if (v.length !== 1 && v.length !== n) throw new RangeError(`${path}.${name} needs one value or ${n} (one per strut), got ${v.length}`);
      return v.length === 1 ? Array(n).fill(v[0]) : v;
    };
    return { widths: each(p.supportWidth, 'supportWidth'), xs: each(p.supportOffsetX, 'supportOffsetX'), ys: each(p.supportOffsetY, 'supportOffsetY') };
  },
  pupilDiameter: (p) => 2 * p.secondaryRadius,
  extent: () => Infinity,
  layers: (p, at) => {
    const struts = p.supportAngle.map((a, i) => ({ ...spoke(p.widths[i]!, a * DEG), x: p.xs[i]!, y: p.ys[i]! }));
    return [shape([circle(p.secondaryRadius), ...struts], true, at)];
  },
});
