/**
 * Gaussian-beam bookkeeping for Fresnel propagation, as POPPY's
 * FresnelWavefront and PROPER do it (Lawrence 1992; Krist 2007): the beam's
 * waist and where it lies, whether the wavefront is held planar (inside the
 * Rayleigh distance of the waist) or spherical (outside it), which
 * propagation each distance takes (plane-to-plane, waist-to-spherical,
 * spherical-to-waist), the sampling that results, and the quadratic phase a
 * lens leaves on the array. It moves no field: it says what a field
 * propagation must do (the native propagation runs this same bookkeeping,
 * native/fresnel.h), and it answers Gaussian-beam questions on its own.
 */
import { native, type NativeBeamHandle } from '../binding';
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

/**
 * A Gaussian beam followed through distances and thin lenses, with the
 * array operations each step implies. Units are metres throughout.
 */
export class GaussianBeam {
  readonly wavelength: number;
  /** Samples per side of the (padded) array. */
  readonly n: number;
  readonly rayleighFactor: number;
  /** The bookkeeping itself, the one the native propagation runs. */
  private readonly beam: NativeBeamHandle;
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
    this.beam = new (native().NativeBeam)({ radius, wavelength: this.wavelength, n: this.n, pixel: (2 * radius) / npix, rayleighFactor: this.rayleighFactor });
    this.waists = [[0, radius]];
  }

  /** Rayleigh distance of the current waist, π w₀² / λ. */
  get rayleigh(): number {
    return (Math.PI * this.beam.state().waist ** 2) / this.wavelength;
  }

  /** Far-field half-angle divergence of the current waist, λ / (π w₀), radians. */
  get divergence(): number {
    return this.wavelength / (Math.PI * this.beam.state().waist);
  }

  /** 1/e² amplitude radius at `z` (default: here), metres. */
  spotRadius(z = this.beam.state().z): number {
    const { waist, waistZ } = this.beam.state();
    return waist * Math.sqrt(1 + ((z - waistZ) / this.rayleigh) ** 2);
  }

  /** Radius of curvature of the Gaussian beam at `z` (default: here), metres; Infinity at the waist. */
  curvature(z = this.beam.state().z): number {
    const dz = z - this.beam.state().waistZ;
    return dz === 0 ? Number.POSITIVE_INFINITY : dz * (1 + (this.rayleigh / dz) ** 2);
  }

  /** The beam at the current plane. */
  state(): BeamState {
    const s = this.beam.state();
    return {
      z: s.z,
      waist: s.waist,
      waistZ: s.waistZ,
      rayleigh: this.rayleigh,
      spotRadius: this.spotRadius(),
      curvature: this.curvature(),
      spherical: s.spherical,
      pixel: s.pixel,
      focalLength: s.focalLength,
    };
  }

  /**
   * Moves the beam by `dz` metres and returns the array operations that take
   * the field along: plane-to-plane inside the Rayleigh distance of the
   * waist (distances under an ångström are not propagated), through the
   * waist (spherical-to-waist, then waist-to-spherical or plane-to-plane)
   * when the beam crosses or leaves it.
   */
  propagate(dz: number): BeamOperation[] {
    finiteNumber('distance', dz);
    return this.beam.propagate(dz).map((s): BeamOperation => (s.op === 'planeToPlane' ? { kind: s.op, dz: s.dz } : { kind: s.op, dz: s.dz, pixel: s.pixel }));
  }

  /**
   * A thin lens of focal length `f` metres (positive: converging) at the
   * current plane: the new waist and focal length of the beam (near the
   * waist the incident curvature is neglected, as POPPY and PROPER do), and
   * the quadratic phase left on the array.
   */
  lens(f: number): BeamOperation[] {
    finiteNumber('focalLength', f);
    if (f === 0) throw new RangeError('focalLength must not be 0');
    const radius = this.beam.lens(f);
    const { waistZ, waist } = this.beam.state();
    this.waists.push([waistZ, waist]);
    return [{ kind: 'lensPhase', radius }];
  }
}
