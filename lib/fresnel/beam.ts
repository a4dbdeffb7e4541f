/**
 * Gaussian-beam bookkeeping for Fresnel propagation, as POPPY's
 * FresnelWavefront and PROPER do it (Lawrence 1992; Krist 2007): the beam's
 * waist and where it lies, whether the wavefront is held planar (inside the
 * Rayleigh distance of the waist) or spherical (outside it), which
 * propagation each distance takes (plane-to-plane, waist-to-spherical,
 * spherical-to-waist), the sampling that results, and the quadratic phase a
 * lens leaves on the array. It moves no field: it says what a field
 * propagation must do, and it answers Gaussian-beam questions on its own.
 */
import { finiteNumber, integer, knownKeys, positiveNumber, show } from '../validate';

/** One operation on the wavefront array that a step of the beam asks for. */
export type BeamOperation =
  /** Angular-spectrum propagation by `dz` metres; the sampling stays. */
  | { kind: 'planeToPlane'; dz: number }
  /** Quadratic phase of radius `dz`, then a transform; the sampling becomes `pixel`. */
  | { kind: 'waistToSpherical'; dz: number; pixel: number }
  /** A transform, then the quadratic phase of radius `dz` at the new sampling `pixel`. */
  | { kind: 'sphericalToWaist'; dz: number; pixel: number }
  /** The phase exp(−iπ r² / (λ·radius)) a lens leaves on the array (radius in metres). */
  | { kind: 'lensPhase'; radius: number };

/** Options of a {@link GaussianBeam}. */
export interface GaussianBeamOptions {
  /** Beam radius at the entrance plane, metres (the pupil's radius): the first waist. */
  radius: number;
  /** Wavelength, metres. */
  wavelength: number;
  /** Samples across the beam's diameter at the entrance plane. */
  npix: number;
  /** Array size over beam diameter (POPPY's 1 / beam_ratio); default 2. */
  oversample?: number;
  /** Distance from the waist, in Rayleigh distances, beyond which a lens treats the incident beam as spherical; default 2 (POPPY's rayleigh_factor). */
  rayleighFactor?: number;
}

/** The beam at the current plane. */
export interface BeamState {
  /** Position along the axis, metres from the entrance plane. */
  z: number;
  /** Radius of the current waist, metres. */
  waist: number;
  /** Position of the current waist, metres. */
  waistZ: number;
  /** Rayleigh distance of the current waist, metres. */
  rayleigh: number;
  /** 1/e² amplitude radius of the beam here, metres. */
  spotRadius: number;
  /** Radius of curvature of the Gaussian beam here, metres (Infinity at the waist). */
  curvature: number;
  /** Whether the array holds the field with its curvature taken out (spherical) or as it is (planar). */
  spherical: boolean;
  /** Metres per sample of the array here. */
  pixel: number;
  /** Effective focal length of the beam (Infinity before the first lens), metres: the plate scale at a focus is 1 rad per this. */
  focalLength: number;
}

const ANGSTROM = 1e-10;

/**
 * A Gaussian beam followed through distances and thin lenses, with the
 * array operations each step implies. Units are metres throughout.
 */
export class GaussianBeam {
  readonly wavelength: number;
  /** Samples per side of the (padded) array. */
  readonly n: number;
  readonly rayleighFactor: number;
  private zNow = 0;
  private w0: number;
  private zw0 = 0;
  private isSpherical = false;
  private dx: number;
  private fl = Number.POSITIVE_INFINITY;
  /** Every waist so far, in order: [position, radius], metres. */
  readonly waists: [number, number][];

  constructor(opts: GaussianBeamOptions) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`GaussianBeam options must be an object, got ${show(opts)}`);
    knownKeys('GaussianBeam: ', opts, ['radius', 'wavelength', 'npix', 'oversample', 'rayleighFactor']);
    const radius = positiveNumber('radius', opts.radius);
    this.wavelength = positiveNumber('wavelength', opts.wavelength);
    const npix = integer('npix', opts.npix, 2, 65536);
    const oversample = opts.oversample === undefined ? 2 : finiteNumber('oversample', opts.oversample, { min: 1, max: 64 });
    this.rayleighFactor = opts.rayleighFactor === undefined ? 2 : positiveNumber('rayleighFactor', opts.rayleighFactor);
    this.n = Math.round(npix * oversample);
    this.w0 = radius;
    this.dx = (2 * radius) / npix;
    this.waists = [[0, radius]];
  }

  /** Rayleigh distance of the current waist, π w₀² / λ. */
  get rayleigh(): number {
    return (Math.PI * this.w0 ** 2) / this.wavelength;
  }

  /** Far-field half-angle divergence of the current waist, λ / (π w₀), radians. */
  get divergence(): number {
    return this.wavelength / (Math.PI * this.w0);
  }

  /** 1/e² amplitude radius at `z` (default: here), metres. */
  spotRadius(z = this.zNow): number {
    return this.w0 * Math.sqrt(1 + ((z - this.zw0) / this.rayleigh) ** 2);
  }

  /** Radius of curvature of the Gaussian beam at `z` (default: here), metres; Infinity at the waist. */
  curvature(z = this.zNow): number {
    const dz = z - this.zw0;
    return dz === 0 ? Number.POSITIVE_INFINITY : dz * (1 + (this.rayleigh / dz) ** 2);
  }

  /** The beam at the current plane. */
  state(): BeamState {
    return {
      z: this.zNow,
      waist: this.w0,
      waistZ: this.zw0,
      rayleigh: this.rayleigh,
      spotRadius: this.spotRadius(),
      curvature: this.curvature(),
      spherical: this.isSpherical,
      pixel: this.dx,
      focalLength: this.fl,
    };
  }

  /**
   * Moves the beam by `dz` metres and returns the array operations that take
   * the field along: plane-to-plane inside the Rayleigh distance of the
   * waist, through the waist (spherical-to-waist, then waist-to-spherical or
   * plane-to-plane) when the beam crosses or leaves it.
   */
  propagate(dz: number): BeamOperation[] {
    finiteNumber('distance', dz);
    const ops: BeamOperation[] = [];
    if (dz === 0) return ops;
    const target = this.zNow + dz;
    const planarThere = Math.abs(this.zw0 - target) < this.rayleigh;
    if (!this.isSpherical && planarThere) {
      this.planeToPlane(dz, ops);
      return ops;
    }
    // Through the waist: planar fields go there plane-to-plane, spherical ones by a transform.
    if (this.isSpherical) this.toWaist(ops);
    else this.planeToPlane(this.zw0 - this.zNow, ops);
    if (planarThere) this.planeToPlane(target - this.zNow, ops);
    else this.waistToSpherical(target - this.zNow, ops);
    return ops;
  }

  /**
   * A thin lens of focal length `f` metres (positive: converging) at the
   * current plane: the new waist and focal length of the beam, and the
   * quadratic phase left on the array.
   */
  lens(f: number): BeamOperation[] {
    finiteNumber('focalLength', f);
    if (f === 0) throw new RangeError('focalLength must not be 0');
    const spot = this.spotRadius();
    const rc = this.curvature();
    const farFromWaist = Math.abs(this.zw0 - this.zNow) > this.rayleighFactor * this.rayleigh;
    // Near the waist the incident curvature is neglected (POPPY, PROPER).
    const rIn = farFromWaist ? this.zNow - this.zw0 : Number.POSITIVE_INFINITY;
    const rOut = farFromWaist ? 1 / (1 / rc - 1 / f) : -f;
    if (rc === f) {
      this.zw0 = this.zNow;
      this.w0 = spot;
    } else {
      const lam = this.wavelength;
      this.zw0 = this.zNow - rOut / (1 + ((lam * rOut) / (Math.PI * spot ** 2)) ** 2);
      this.w0 = spot / Math.sqrt(1 + ((Math.PI * spot ** 2) / (lam * rOut)) ** 2);
    }
    this.fl = Number.isFinite(this.fl) ? this.fl * (rOut / rIn) : f;
    this.waists.push([this.zw0, this.w0]);
    return [{ kind: 'lensPhase', radius: this.lensPhaseRadius(f, rIn) }];
  }

  /** The radius of the quadratic phase a lens leaves on the array, and the planar/spherical state after it. */
  private lensPhaseRadius(f: number, rIn: number): number {
    const fromWaist = this.zNow - this.zw0;
    const insideRayleigh = Math.abs(fromWaist) < this.rayleigh;
    if (!this.isSpherical) {
      if (insideRayleigh) return f;
      this.isSpherical = true;
      return 1 / (1 / f + 1 / fromWaist);
    }
    if (!insideRayleigh) return 1 / (1 / f + 1 / fromWaist - 1 / rIn);
    this.isSpherical = false;
    return 1 / (1 / f - 1 / rIn);
  }

  /** Distances under an ångström are not propagated (the field is taken to be there already). */
  private planeToPlane(dz: number, ops: BeamOperation[]): void {
    if (Math.abs(dz) >= ANGSTROM) ops.push({ kind: 'planeToPlane', dz });
    this.zNow += dz;
  }

  private waistToSpherical(dz: number, ops: BeamOperation[]): void {
    if (dz === 0) return;
    this.dx = (this.wavelength * Math.abs(dz)) / (this.n * this.dx);
    ops.push({ kind: 'waistToSpherical', dz, pixel: this.dx });
    this.zNow += dz;
    this.isSpherical = true;
  }

  private toWaist(ops: BeamOperation[]): void {
    const dz = this.zw0 - this.zNow;
    if (dz === 0) {
      this.isSpherical = false;
      return;
    }
    this.dx = (this.wavelength * Math.abs(dz)) / (this.n * this.dx);
    ops.push({ kind: 'sphericalToWaist', dz, pixel: this.dx });
    this.zNow += dz;
    this.isSpherical = false;
  }
}
