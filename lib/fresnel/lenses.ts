/**
 * Powered optics of a Fresnel system: a thin lens (POPPY's QuadraticLens),
 * and a conic mirror or lens, whose paraboloid part is that thin lens and
 * whose departure from the paraboloid is an OPD.
 */
import type { NativeLayer } from '../binding';
import { CircularAperture, type Conventions, type Optic } from '../optics';
import { finiteNumber, knownKeys, positiveNumber, show } from '../validate';

function focalLengthOf(v: unknown): number {
  const f = finiteNumber('focalLength', v);
  if (f === 0) throw new RangeError('focalLength must not be 0');
  return f;
}

/** A thin lens of focal length `focalLength` metres (positive: converging), POPPY's QuadraticLens. */
export class QuadraticLens {
  readonly type = 'QuadraticLens';
  readonly focalLength: number;
  readonly name: string;
  constructor(opts: { focalLength: number; name?: string }) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`QuadraticLens options must be an object, got ${show(opts)}`);
    knownKeys('QuadraticLens: ', opts, ['focalLength', 'name']);
    this.focalLength = focalLengthOf(opts.focalLength);
    this.name = opts.name ?? '';
  }
}

/** Options of a {@link ConicLens}. */
export interface ConicLensOptions {
  /** Focal length, metres (positive: converging): the paraxial power. */
  focalLength: number;
  /** Conic constant K: 0 sphere, −1 paraboloid, < −1 hyperboloid, between −1 and 0 prolate ellipsoid, > 0 oblate. */
  conic: number;
  /** Radius of the clear aperture, metres (dark beyond it). */
  radius: number;
  /** Refractive index of a thin plano-conic lens; omitted: a mirror. */
  refractiveIndex?: number;
  name?: string;
}

/**
 * A conic mirror (or thin plano-conic lens) of focal length f: vertex radius
 * R = 2f for a mirror, (n − 1)f for a lens. Its paraboloid part moves the
 * Gaussian beam as a {@link QuadraticLens}; the surface's departure from the
 * paraboloid, sag − r²/2R with sag = r² / (R (1 + √(1 − (1 + K) r²/R²))),
 * is an OPD of −2 (mirror) or −(n − 1) (lens) times it, inside the clear
 * aperture. A paraboloid (K = −1) is exactly the thin lens; a sphere has
 * spherical aberration −r⁴/4R³ (mirror) to lowest order.
 */
export class ConicLens {
  readonly type = 'ConicLens';
  readonly focalLength: number;
  readonly conic: number;
  readonly radius: number;
  readonly refractiveIndex: number | undefined;
  readonly name: string;
  /** The clear aperture, as a plane's optic. */
  readonly aperture: Optic;

  constructor(opts: ConicLensOptions) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`ConicLens options must be an object, got ${show(opts)}`);
    knownKeys('ConicLens: ', opts, ['focalLength', 'conic', 'radius', 'refractiveIndex', 'name']);
    this.focalLength = focalLengthOf(opts.focalLength);
    this.conic = finiteNumber('conic', opts.conic);
    this.radius = positiveNumber('radius', opts.radius);
    if (opts.refractiveIndex !== undefined && !(finiteNumber('refractiveIndex', opts.refractiveIndex) > 1))
      throw new RangeError(`refractiveIndex must be greater than 1, got ${opts.refractiveIndex}`);
    this.refractiveIndex = opts.refractiveIndex;
    this.name = opts.name ?? '';
    const R = this.curvature();
    if ((1 + this.conic) * this.radius ** 2 > R * R)
      throw new RangeError(
        `ConicLens: a conic of K ${this.conic} and vertex radius ${R} m ends at r = ${Math.abs(R) / Math.sqrt(1 + this.conic)} m, inside its radius ${this.radius} m`,
      );
    this.aperture = new CircularAperture({ radius: this.radius });
  }

  /** Sag-to-OPD factor: 2 for a mirror, n − 1 for a lens. */
  private factor(): number {
    return this.refractiveIndex === undefined ? 2 : this.refractiveIndex - 1;
  }

  /** Vertex radius of curvature, metres. */
  curvature(): number {
    return this.factor() * this.focalLength;
  }

  /** The clear aperture and the departure from the paraboloid, as raster layers. */
  layers(conventions: Conventions): NativeLayer[] {
    const conic: NativeLayer = {
      kind: 'conic',
      radius: this.radius,
      curvature: this.curvature(),
      conic: this.conic,
      factor: this.factor(),
      shiftX: 0,
      shiftY: 0,
      rotation: 0,
    };
    return [...this.aperture.layers(conventions), conic];
  }
}
