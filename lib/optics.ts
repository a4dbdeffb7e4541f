/**
 * The optics catalogue: analytic apertures, obscurations, wavefront errors,
 * image-plane masks, and optics from FITS files or arrays. Every optic takes
 * the same parameters in code and in JSON (camelCase), plus `shiftX`,
 * `shiftY` (metres in a pupil, arcsec in an image plane) and `rotation`
 * (degrees, counter-clockwise).
 *
 * Edges of analytic shapes are anti-aliased: a pixel's transmission is the
 * fraction of its area inside the shape (sampled on a 12×12 sub-grid for
 * pixels the edge crosses; interior and exterior pixels are exact), computed
 * natively.
 */
import { native } from './binding';
import { readFitsImage } from './fits';
import { finiteNumber, integer, oneOf, show } from './validate';

/** Where an optic may sit. */
export type PlaneKind = 'pupil' | 'image';

/** Sampling of one plane: pixel (i, j) sits at ((j − cx)·scale, (i − cy)·scale). */
export interface Grid {
  /** Full grid size (pixels). */
  ny: number;
  nx: number;
  /** Pixel index of the coordinate origin (may be fractional). */
  cy: number;
  cx: number;
  /** Metres per pixel in a pupil plane, arcsec per pixel in an image plane. */
  scale: number;
}

/** Pixel rectangle of a grid. */
export interface Rect {
  y0: number;
  x0: number;
  ny: number;
  nx: number;
}

/** An optic sampled on a rectangle of a grid; `outside` holds elsewhere. */
export interface Raster extends Rect {
  /** Amplitude transmission (null = 1). */
  amp: Float64Array | null;
  /** Optical path difference in metres (null = 0). */
  opd: Float64Array | null;
  /** Amplitude outside the rectangle (OPD there is 0). */
  outside: number;
}

/** A shape primitive, rasterised natively (see native/raster.h). */
interface Prim {
  /** 0 circle{a=r}, 1 annulus{a=ri, b=ro}, 2 rect{a=w, b=h}, 3 polygon{a=n, b=r, c=first vertex angle}, 4 spoke{a=w, b=angle from +y}, 5 bar{a=w}. */
  kind: 0 | 1 | 2 | 3 | 4 | 5;
  a: number;
  b?: number;
  c?: number;
}

const DEG = Math.PI / 180;
const circle = (r: number): Prim => ({ kind: 0, a: r });
const annulus = (ri: number, ro: number): Prim => ({ kind: 1, a: ri, b: ro });
const rect = (w: number, h: number): Prim => ({ kind: 2, a: w, b: h });
/** Regular polygon, circumradius r, first vertex at angle a0 (radians from +x). */
const polygon = (nsides: number, r: number, a0: number): Prim => ({ kind: 3, a: nsides, b: r, c: a0 });
/** Half-infinite strip of width w from the origin, direction angle a (radians from +y, counter-clockwise). */
const spoke = (w: number, a: number): Prim => ({ kind: 4, a: w, b: a });
/** Infinite strip of width w along +y. */
const bar = (w: number): Prim => ({ kind: 5, a: w });

/** Parameters every optic accepts. */
export interface PlacementParams {
  /** Shift along x: metres (pupil) or arcsec (image). Default 0. */
  shiftX?: number;
  /** Shift along y: metres (pupil) or arcsec (image). Default 0. */
  shiftY?: number;
  /** Rotation, degrees counter-clockwise. Default 0. */
  rotation?: number;
  /** Display name. */
  name?: string;
}

const PLACEMENT_KEYS = ['shiftX', 'shiftY', 'rotation', 'name'];

/** Throws on keys the optic does not know, naming them with `path`. */
function checkKeys(path: string, params: object, keys: string[]): void {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new TypeError(`${path} must be an object of parameters, got ${show(params)}`);
  }
  const allowed = new Set([...keys, ...PLACEMENT_KEYS, 'type']);
  for (const k of Object.keys(params)) {
    if (!allowed.has(k)) {
      throw new RangeError(`${path}.${k} is not a parameter of this optic (known: ${[...keys, ...PLACEMENT_KEYS].join(', ')})`);
    }
  }
}

function req(path: string, p: Record<string, unknown>, key: string): unknown {
  if (p[key] === undefined) throw new TypeError(`${path}.${key} is required`);
  return p[key];
}
const pos = (path: string, p: Record<string, unknown>, key: string) =>
  finiteNumber(`${path}.${key}`, req(path, p, key), { exclusiveMin: 0 });
const optNum = (path: string, p: Record<string, unknown>, key: string, def: number, opts: { min?: number; exclusiveMin?: number } = {}) =>
  p[key] === undefined ? def : finiteNumber(`${path}.${key}`, p[key], opts);

/** Base class of all optics. */
export abstract class Optic {
  /** Type name, as in JSON. */
  abstract readonly type: string;
  readonly shiftX: number;
  readonly shiftY: number;
  readonly rotation: number;
  readonly name: string;
  /** Parameters as given (for headers and JSON round trips). */
  readonly params: Record<string, unknown>;

  protected constructor(params: object, keys: string[], path: string) {
    checkKeys(path, params, keys);
    const p = params as Record<string, unknown>;
    this.params = { ...p };
    this.shiftX = optNum(path, p, 'shiftX', 0);
    this.shiftY = optNum(path, p, 'shiftY', 0);
    this.rotation = optNum(path, p, 'rotation', 0);
    this.name = p.name === undefined ? '' : String(p.name);
  }

  /** Plane kinds this optic belongs in. */
  abstract readonly planes: readonly PlaneKind[];
  /** Pupil diameter this optic implies (metres), if it defines one. */
  pupilDiameter(): number | undefined {
    return undefined;
  }
  /** Amplitude beyond `extent()` (0 for apertures and stops, 1 otherwise). */
  outside(): number {
    return 1;
  }
  /** Radius (from the optic's own centre, plane units) beyond which the optic equals `outside()`. */
  extent(): number {
    return Infinity;
  }
  /** True if the optic varies the phase (has OPD). */
  hasOpd(): boolean {
    return false;
  }
  /** Samples the optic over `r` of `grid`, multiplying into amp and adding into opd. */
  abstract apply(grid: Grid, r: Rect, amp: Float64Array, opd: Float64Array | null): void;

  /** Local (un-shifted, un-rotated) coordinates of pixel (i, j). */
  protected local(grid: Grid): (i: number, j: number) => [number, number] {
    const c = Math.cos(-this.rotation * DEG);
    const s = Math.sin(-this.rotation * DEG);
    return (i, j) => {
      const x = (j - grid.cx) * grid.scale - this.shiftX;
      const y = (i - grid.cy) * grid.scale - this.shiftY;
      return [c * x - s * y, s * x + c * y];
    };
  }

  /**
   * Multiplies `amp` by the area coverage of the union of `prims` (or by
   * 1 − coverage if `invert`), placed by this optic's shift and rotation.
   */
  protected coverage(grid: Grid, r: Rect, amp: Float64Array, prims: Prim[], invert: boolean): void {
    native().rasterShape({ prims, shiftX: this.shiftX, shiftY: this.shiftY, rotation: this.rotation * DEG, invert },
      grid.cy, grid.cx, grid.scale, r.y0, r.x0, r.ny, r.nx, amp);
  }

  /** JSON form (type plus parameters). */
  toJSON(): Record<string, unknown> {
    return { type: this.type, ...this.params };
  }
}

/** An optic defined by one shape: transmits inside (aperture) or blocks inside (occulter). */
abstract class ShapeOptic extends Optic {
  protected abstract shape(): Prim[];
  protected abstract readonly blocks: boolean;
  override outside(): number {
    return this.blocks ? 1 : 0;
  }
  apply(grid: Grid, r: Rect, amp: Float64Array, _opd?: Float64Array | null): void {
    this.coverage(grid, r, amp, this.shape(), this.blocks);
  }
}

// ---- pupil apertures --------------------------------------------------------

/** Parameters of {@link CircularAperture}. */
export interface CircularApertureParams extends PlacementParams {
  /** Radius, metres. */
  radius: number;
}
/** Clear circular aperture. */
export class CircularAperture extends ShapeOptic {
  readonly type = 'CircularAperture';
  readonly planes = ['pupil'] as const;
  protected readonly blocks = false;
  /** Radius, metres. */
  readonly radius: number;
  constructor(p: CircularApertureParams, path = 'CircularAperture') {
    super(p, ['radius'], path);
    this.radius = pos(path, p as never, 'radius');
  }
  override pupilDiameter() {
    return 2 * this.radius;
  }
  override extent() {
    return this.radius;
  }
  protected shape() {
    return [circle(this.radius)];
  }
}

/** Parameters of {@link SquareAperture}. */
export interface SquareApertureParams extends PlacementParams {
  /** Side length, metres. */
  size: number;
}
/** Clear square aperture (sides along x and y before rotation). */
export class SquareAperture extends ShapeOptic {
  readonly type = 'SquareAperture';
  readonly planes = ['pupil'] as const;
  protected readonly blocks = false;
  readonly size: number;
  constructor(p: SquareApertureParams, path = 'SquareAperture') {
    super(p, ['size'], path);
    this.size = pos(path, p as never, 'size');
  }
  override pupilDiameter() {
    return this.size * Math.SQRT2;
  }
  override extent() {
    return (this.size * Math.SQRT2) / 2;
  }
  protected shape() {
    return [rect(this.size, this.size)];
  }
}

/** Parameters of {@link RectangleAperture}. */
export interface RectangleApertureParams extends PlacementParams {
  /** Extent along x, metres. */
  width: number;
  /** Extent along y, metres. */
  height: number;
}
/** Clear rectangular aperture. */
export class RectangleAperture extends ShapeOptic {
  readonly type = 'RectangleAperture';
  readonly planes = ['pupil'] as const;
  protected readonly blocks = false;
  readonly width: number;
  readonly height: number;
  constructor(p: RectangleApertureParams, path = 'RectangleAperture') {
    super(p, ['width', 'height'], path);
    this.width = pos(path, p as never, 'width');
    this.height = pos(path, p as never, 'height');
  }
  override pupilDiameter() {
    return Math.hypot(this.width, this.height);
  }
  override extent() {
    return Math.hypot(this.width, this.height) / 2;
  }
  protected shape() {
    return [rect(this.width, this.height)];
  }
}

/** Parameters of {@link HexagonAperture}: give `side` or `flatToFlat`. */
export interface HexagonApertureParams extends PlacementParams {
  /** Side length (= circumradius), metres. */
  side?: number;
  /** Distance between opposite flat sides, metres (= side·√3). */
  flatToFlat?: number;
}
/** Regular hexagon with vertices on ±x (flat sides at top and bottom). */
export class HexagonAperture extends ShapeOptic {
  readonly type = 'HexagonAperture';
  readonly planes = ['pupil'] as const;
  protected readonly blocks = false;
  /** Side length, metres. */
  readonly side: number;
  constructor(p: HexagonApertureParams, path = 'HexagonAperture') {
    super(p, ['side', 'flatToFlat'], path);
    const q = p as Record<string, unknown>;
    if ((q.side === undefined) === (q.flatToFlat === undefined)) {
      throw new TypeError(`${path} needs exactly one of side or flatToFlat`);
    }
    this.side = q.side !== undefined ? pos(path, q, 'side') : pos(path, q, 'flatToFlat') / Math.sqrt(3);
  }
  override pupilDiameter() {
    return 2 * this.side;
  }
  override extent() {
    return this.side;
  }
  protected shape() {
    return [polygon(6, this.side, 0)];
  }
}

/** Parameters of {@link NgonAperture}. */
export interface NgonApertureParams extends PlacementParams {
  /** Number of sides (≥ 3). */
  nsides: number;
  /** Circumradius, metres. */
  radius: number;
}
/** Regular polygon with its first vertex on +x. */
export class NgonAperture extends ShapeOptic {
  readonly type = 'NgonAperture';
  readonly planes = ['pupil'] as const;
  protected readonly blocks = false;
  readonly nsides: number;
  readonly radius: number;
  constructor(p: NgonApertureParams, path = 'NgonAperture') {
    super(p, ['nsides', 'radius'], path);
    this.nsides = integer(`${path}.nsides`, req(path, p as never, 'nsides'), 3, 1000);
    this.radius = pos(path, p as never, 'radius');
  }
  override pupilDiameter() {
    return 2 * this.radius;
  }
  override extent() {
    return this.radius;
  }
  protected shape() {
    return [polygon(this.nsides, this.radius, 0)];
  }
}

/** Parameters of {@link SecondaryObscuration}. */
export interface SecondaryObscurationParams extends PlacementParams {
  /** Radius of the central obscuration, metres. */
  secondaryRadius: number;
  /** Number of support struts (spiders). Default 4. */
  nSupports?: number;
  /** Strut width, metres. Default 0.01. */
  supportWidth?: number;
  /** Angle of the first strut, degrees counter-clockwise from +y. Default 0. */
  supportAngleOffset?: number;
}
/** Central obscuration with radial support struts, evenly spaced in angle. */
export class SecondaryObscuration extends ShapeOptic {
  readonly type = 'SecondaryObscuration';
  readonly planes = ['pupil'] as const;
  protected readonly blocks = true;
  readonly secondaryRadius: number;
  readonly nSupports: number;
  readonly supportWidth: number;
  readonly supportAngleOffset: number;
  constructor(p: SecondaryObscurationParams, path = 'SecondaryObscuration') {
    super(p, ['secondaryRadius', 'nSupports', 'supportWidth', 'supportAngleOffset'], path);
    const q = p as unknown as Record<string, unknown>;
    this.secondaryRadius = pos(path, q, 'secondaryRadius');
    this.nSupports = q.nSupports === undefined ? 4 : integer(`${path}.nSupports`, q.nSupports, 0, 360);
    this.supportWidth = optNum(path, q, 'supportWidth', 0.01, { exclusiveMin: 0 });
    this.supportAngleOffset = optNum(path, q, 'supportAngleOffset', 0);
  }
  override pupilDiameter() {
    return 2 * this.secondaryRadius;
  }
  override extent() {
    return this.nSupports === 0 ? this.secondaryRadius : Infinity;
  }
  protected shape() {
    const parts = [circle(this.secondaryRadius)];
    for (let k = 0; k < this.nSupports; k++) {
      parts.push(spoke(this.supportWidth, (this.supportAngleOffset + (360 / this.nSupports) * k) * DEG));
    }
    return parts;
  }
}

// ---- scalar, compound, wavefront error ----------------------------------------

/** Parameters of {@link ScalarTransmission}. */
export interface ScalarTransmissionParams extends PlacementParams {
  /** Amplitude transmission (0…1). Default 1. */
  transmission?: number;
}
/** Uniform amplitude transmission everywhere in the plane. */
export class ScalarTransmission extends Optic {
  readonly type = 'ScalarTransmission';
  readonly planes = ['pupil', 'image'] as const;
  readonly transmission: number;
  constructor(p: ScalarTransmissionParams = {}, path = 'ScalarTransmission') {
    super(p, ['transmission'], path);
    this.transmission = optNum(path, p as never, 'transmission', 1, { min: 0 });
  }
  override outside() {
    return this.transmission;
  }
  override extent() {
    return 0;
  }
  apply(_g: Grid, _r: Rect, amp: Float64Array): void {
    for (let i = 0; i < amp.length; i++) amp[i] *= this.transmission;
  }
}

/** Parameters of {@link CompoundOptic}. */
export interface CompoundOpticParams extends PlacementParams {
  /** Member optics: transmissions multiply, OPDs add. */
  optics: Optic[];
}
/** Several optics acting as one (transmissions multiply, OPDs add). */
export class CompoundOptic extends Optic {
  readonly type = 'CompoundOptic';
  readonly planes: readonly PlaneKind[];
  readonly optics: Optic[];
  constructor(p: CompoundOpticParams, path = 'CompoundOptic') {
    super(p, ['optics'], path);
    const list = req(path, p as never, 'optics');
    if (!Array.isArray(list) || list.length === 0) throw new TypeError(`${path}.optics must be a non-empty array of optics`);
    list.forEach((o, i) => {
      if (!(o instanceof Optic)) throw new TypeError(`${path}.optics[${i}] must be an optic, got ${show(o)}`);
    });
    if (this.shiftX !== 0 || this.shiftY !== 0 || this.rotation !== 0) {
      throw new RangeError(`${path}: shift and rotation apply to the member optics, not to CompoundOptic`);
    }
    this.optics = list as Optic[];
    this.planes = (['pupil', 'image'] as const).filter((k) => this.optics.every((o) => o.planes.includes(k)));
  }
  override pupilDiameter() {
    const d = this.optics.map((o) => o.pupilDiameter()).filter((x): x is number => x !== undefined);
    return d.length ? Math.max(...d) : undefined;
  }
  override outside() {
    return this.optics.reduce((a, o) => a * o.outside(), 1);
  }
  override extent() {
    return combinedExtent(this.optics);
  }
  override hasOpd() {
    return this.optics.some((o) => o.hasOpd());
  }
  apply(grid: Grid, r: Rect, amp: Float64Array, opd: Float64Array | null): void {
    for (const o of this.optics) o.apply(grid, r, amp, opd);
  }
  override toJSON() {
    return { type: this.type, optics: this.optics.map((o) => o.toJSON()) };
  }
}

/**
 * Radius beyond which a product of optics is constant: the smallest extent of
 * an optic that is dark outside, else the largest extent (measured from each
 * optic's own shifted centre, so shifts widen it).
 */
export function combinedExtent(optics: Optic[]): number {
  const reach = (o: Optic) => o.extent() + Math.hypot(o.shiftX, o.shiftY);
  const dark = optics.filter((o) => o.outside() === 0).map(reach);
  if (dark.length) return Math.min(...dark);
  return optics.length ? Math.max(...optics.map(reach)) : 0;
}

/** Noll index j (from 1) → radial order n and azimuthal frequency m (signed: sine terms negative). */
export function nollToNM(j: number): [number, number] {
  let n = 0;
  while (((n + 1) * (n + 2)) / 2 < j) n++;
  const k = j - (n * (n + 1)) / 2 - 1;
  const m = n % 2 === 0 ? 2 * Math.floor((k + 1) / 2) : 2 * Math.floor(k / 2) + 1;
  return [n, m !== 0 && j % 2 === 1 ? -m : m];
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Noll-normalised Zernike polynomial j at (ρ, θ), ρ ≤ 1. */
export function zernike(j: number, rho: number, theta: number): number {
  const [n, ms] = nollToNM(j);
  const m = Math.abs(ms);
  let R = 0;
  for (let s = 0; s <= (n - m) / 2; s++) {
    R += ((s % 2 ? -1 : 1) * factorial(n - s)) / (factorial(s) * factorial((n + m) / 2 - s) * factorial((n - m) / 2 - s)) * rho ** (n - 2 * s);
  }
  if (m === 0) return Math.sqrt(n + 1) * R;
  const norm = Math.sqrt(2 * (n + 1));
  return ms > 0 ? norm * R * Math.cos(m * theta) : norm * R * Math.sin(m * theta);
}

/** Parameters of {@link ZernikeWFE}. */
export interface ZernikeWFEParams extends PlacementParams {
  /** Radius over which the polynomials are normalised, metres. */
  radius: number;
  /** Coefficients in metres RMS, Noll order from j = 1 (piston). */
  coefficients: number[];
}
/** Wavefront error as a sum of Noll-normalised Zernike terms (zero outside the radius). */
export class ZernikeWFE extends Optic {
  readonly type = 'ZernikeWFE';
  readonly planes = ['pupil'] as const;
  readonly radius: number;
  readonly coefficients: number[];
  constructor(p: ZernikeWFEParams, path = 'ZernikeWFE') {
    super(p, ['radius', 'coefficients'], path);
    this.radius = pos(path, p as never, 'radius');
    const c = req(path, p as never, 'coefficients');
    if (!Array.isArray(c)) throw new TypeError(`${path}.coefficients must be an array of numbers (metres RMS), got ${show(c)}`);
    this.coefficients = c.map((v, i) => finiteNumber(`${path}.coefficients[${i}]`, v));
  }
  override pupilDiameter() {
    return 2 * this.radius;
  }
  override extent() {
    return this.radius;
  }
  override hasOpd() {
    return this.coefficients.some((c) => c !== 0);
  }
  apply(grid: Grid, r: Rect, _amp: Float64Array, opd: Float64Array | null): void {
    if (!opd) return;
    const loc = this.local(grid);
    for (let i = 0; i < r.ny; i++) {
      for (let jx = 0; jx < r.nx; jx++) {
        const [x, y] = loc(i + r.y0, jx + r.x0);
        const rho = Math.sqrt(x * x + y * y) / this.radius;
        if (rho > 1) continue;
        const th = Math.atan2(y, x);
        let v = 0;
        this.coefficients.forEach((c, k) => {
          if (c !== 0) v += c * zernike(k + 1, rho, th);
        });
        opd[i * r.nx + jx] += v;
      }
    }
  }
}

/** Parameters of {@link ThinLens}. */
export interface ThinLensParams extends PlacementParams {
  /** Defocus in waves, peak to valley over the radius, at `referenceWavelength`. */
  nwaves: number;
  /** Wavelength the wave count refers to, metres. */
  referenceWavelength: number;
  /** Radius of the lens (the defocus normalisation), metres. */
  radius: number;
}
/** Defocus: OPD = nwaves·λref·(2ρ² − 1)/2 inside the radius (peak to valley nwaves·λref). */
export class ThinLens extends Optic {
  readonly type = 'ThinLens';
  readonly planes = ['pupil'] as const;
  readonly nwaves: number;
  readonly referenceWavelength: number;
  readonly radius: number;
  constructor(p: ThinLensParams, path = 'ThinLens') {
    super(p, ['nwaves', 'referenceWavelength', 'radius'], path);
    this.nwaves = finiteNumber(`${path}.nwaves`, req(path, p as never, 'nwaves'));
    this.referenceWavelength = pos(path, p as never, 'referenceWavelength');
    this.radius = pos(path, p as never, 'radius');
  }
  override pupilDiameter() {
    return 2 * this.radius;
  }
  override extent() {
    return this.radius;
  }
  override hasOpd() {
    return this.nwaves !== 0;
  }
  apply(grid: Grid, r: Rect, _amp: Float64Array, opd: Float64Array | null): void {
    if (!opd) return;
    const loc = this.local(grid);
    const k = (this.nwaves * this.referenceWavelength) / 2;
    for (let i = 0; i < r.ny; i++) {
      for (let j = 0; j < r.nx; j++) {
        const [x, y] = loc(i + r.y0, j + r.x0);
        const rho2 = (x * x + y * y) / (this.radius * this.radius);
        if (rho2 <= 1) opd[i * r.nx + j] += k * (2 * rho2 - 1);
      }
    }
  }
}

// ---- image-plane masks ---------------------------------------------------------

/** Parameters of {@link CircularOcculter}. */
export interface CircularOcculterParams extends PlacementParams {
  /** Radius, arcsec. */
  radius: number;
}
/** Opaque circular spot in an image plane. */
export class CircularOcculter extends ShapeOptic {
  readonly type = 'CircularOcculter';
  readonly planes = ['image'] as const;
  protected readonly blocks = true;
  readonly radius: number;
  constructor(p: CircularOcculterParams, path = 'CircularOcculter') {
    super(p, ['radius'], path);
    this.radius = pos(path, p as never, 'radius');
  }
  override extent() {
    return this.radius;
  }
  protected shape() {
    return [circle(this.radius)];
  }
}

/** Parameters of {@link AnnularFieldStop}. */
export interface AnnularFieldStopParams extends PlacementParams {
  /** Inner radius, arcsec (opaque inside). Default 0. */
  radiusInner?: number;
  /** Outer radius, arcsec (opaque outside). */
  radiusOuter: number;
}
/** Transmits an annulus radiusInner < r < radiusOuter of an image plane. */
export class AnnularFieldStop extends ShapeOptic {
  readonly type = 'AnnularFieldStop';
  readonly planes = ['image'] as const;
  protected readonly blocks = false;
  readonly radiusInner: number;
  readonly radiusOuter: number;
  constructor(p: AnnularFieldStopParams, path = 'AnnularFieldStop') {
    super(p, ['radiusInner', 'radiusOuter'], path);
    this.radiusInner = optNum(path, p as never, 'radiusInner', 0, { min: 0 });
    this.radiusOuter = pos(path, p as never, 'radiusOuter');
    if (this.radiusInner >= this.radiusOuter) {
      throw new RangeError(`${path}.radiusInner must be smaller than radiusOuter, got ${this.radiusInner} >= ${this.radiusOuter}`);
    }
  }
  override extent() {
    return this.radiusOuter;
  }
  protected shape() {
    return [annulus(this.radiusInner, this.radiusOuter)];
  }
}

/** Parameters of {@link SquareFieldStop}. */
export interface SquareFieldStopParams extends PlacementParams {
  /** Side length, arcsec. */
  size: number;
}
/** Transmits a square of an image plane. */
export class SquareFieldStop extends ShapeOptic {
  readonly type = 'SquareFieldStop';
  readonly planes = ['image'] as const;
  protected readonly blocks = false;
  readonly size: number;
  constructor(p: SquareFieldStopParams, path = 'SquareFieldStop') {
    super(p, ['size'], path);
    this.size = pos(path, p as never, 'size');
  }
  override extent() {
    return (this.size * Math.SQRT2) / 2;
  }
  protected shape() {
    return [rect(this.size, this.size)];
  }
}

/** Parameters of {@link BarOcculter}. */
export interface BarOcculterParams extends PlacementParams {
  /** Bar width, arcsec. */
  width: number;
  /** Bar angle, degrees counter-clockwise from +y (added to `rotation`). Default 0. */
  angle?: number;
}
/** Opaque infinite bar through an image plane, along +y before rotation. */
export class BarOcculter extends ShapeOptic {
  readonly type = 'BarOcculter';
  readonly planes = ['image'] as const;
  protected readonly blocks = true;
  readonly width: number;
  readonly angle: number;
  constructor(p: BarOcculterParams, path = 'BarOcculter') {
    super(p, ['width', 'angle'], path);
    this.width = pos(path, p as never, 'width');
    this.angle = optNum(path, p as never, 'angle', 0);
    (this as { rotation: number }).rotation = this.rotation + this.angle;
  }
  protected shape() {
    return [bar(this.width)];
  }
}

/** Parameters of {@link IdealFQPM}. */
export interface IdealFQPMParams extends PlacementParams {
  /** Design wavelength, metres: the phase step is π there. */
  wavelength: number;
}
/** Four-quadrant phase mask: OPD of half the design wavelength in the (+,+) and (−,−) quadrants. */
export class IdealFQPM extends Optic {
  readonly type = 'IdealFQPM';
  readonly planes = ['image'] as const;
  readonly wavelength: number;
  constructor(p: IdealFQPMParams, path = 'IdealFQPM') {
    super(p, ['wavelength'], path);
    this.wavelength = pos(path, p as never, 'wavelength');
  }
  override hasOpd() {
    return true;
  }
  apply(grid: Grid, r: Rect, _amp: Float64Array, opd: Float64Array | null): void {
    if (!opd) return;
    const loc = this.local(grid);
    for (let i = 0; i < r.ny; i++) {
      for (let j = 0; j < r.nx; j++) {
        const [x, y] = loc(i + r.y0, j + r.x0);
        if (x * y > 0) opd[i * r.nx + j] += this.wavelength / 2;
      }
    }
  }
}

/** Parameters of {@link BandLimitedCoronagraph}. */
export interface BandLimitedCoronagraphParams extends PlacementParams {
  /** 'circular' (1 − [2J1(σr)/(σr)]²) or 'linear' (1 − [sin(σx)/(σx)]²). */
  kind: 'circular' | 'linear';
  /** Mask scale σ, 1/arcsec. */
  sigma: number;
  /** Design wavelength, metres (recorded; the mask itself is achromatic in arcsec). */
  wavelength?: number;
}
/** Band-limited image-plane amplitude mask (Kuchner & Traub 2002). */
export class BandLimitedCoronagraph extends Optic {
  readonly type = 'BandLimitedCoronagraph';
  readonly planes = ['image'] as const;
  readonly kind: 'circular' | 'linear';
  readonly sigma: number;
  readonly wavelength: number | undefined;
  constructor(p: BandLimitedCoronagraphParams, path = 'BandLimitedCoronagraph') {
    super(p, ['kind', 'sigma', 'wavelength'], path);
    this.kind = oneOf(`${path}.kind`, req(path, p as never, 'kind'), ['circular', 'linear'] as const);
    this.sigma = pos(path, p as never, 'sigma');
    this.wavelength = (p as unknown as Record<string, unknown>).wavelength === undefined ? undefined : pos(path, p as never, 'wavelength');
  }
  apply(grid: Grid, r: Rect, amp: Float64Array): void {
    const loc = this.local(grid);
    for (let i = 0; i < r.ny; i++) {
      for (let j = 0; j < r.nx; j++) {
        const [x, y] = loc(i + r.y0, j + r.x0);
        let t: number;
        if (this.kind === 'circular') {
          const s = this.sigma * Math.sqrt(x * x + y * y);
          t = s < 1e-8 ? 0 : 1 - ((2 * besselJ1(s)) / s) ** 2;
        } else {
          const s = this.sigma * x;
          t = s === 0 ? 0 : 1 - (Math.sin(s) / s) ** 2;
        }
        amp[i * r.nx + j] *= t;
      }
    }
  }
}

/** Bessel function J1 (series for small x, asymptotic form for large x; |error| < 1e-8). */
export function besselJ1(x: number): number {
  const ax = Math.abs(x);
  if (ax < 12) {
    let term = x / 2;
    let sum = term;
    const q = -(x * x) / 4;
    for (let k = 1; k < 60; k++) {
      term *= q / (k * (k + 1));
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return sum;
  }
  return besselAsymptotic(1, x);
}

/** Bessel function J0. */
export function besselJ0(x: number): number {
  const ax = Math.abs(x);
  if (ax < 12) {
    let term = 1;
    let sum = 1;
    const q = -(x * x) / 4;
    for (let k = 1; k < 60; k++) {
      term *= q / (k * k);
      sum += term;
      if (Math.abs(term) < 1e-17) break;
    }
    return sum;
  }
  return besselAsymptotic(0, x);
}

function besselAsymptotic(nu: number, x: number): number {
  const ax = Math.abs(x);
  const mu = 4 * nu * nu;
  let p = 1;
  let q = 0;
  let term = 1;
  for (let k = 1; k < 20; k++) {
    term *= (mu - (2 * k - 1) ** 2) / (k * 8 * ax);
    if (k % 2 === 1) q += (k % 4 === 1 ? 1 : -1) * term;
    else p += (k % 4 === 2 ? -1 : 1) * term;
  }
  const w = ax - (nu / 2 + 0.25) * Math.PI;
  const v = Math.sqrt(2 / (Math.PI * ax)) * (p * Math.cos(w) - q * Math.sin(w));
  return nu === 1 && x < 0 ? -v : v;
}

// ---- optics from arrays and files -------------------------------------------------

/** Parameters of {@link ArrayOptic}. */
export interface ArrayOpticParams extends PlacementParams {
  /** Amplitude transmission, row-major `[ny, nx]` (default all 1). */
  transmission?: Float64Array | number[][];
  /** OPD, row-major `[ny, nx]`, in `opdUnits`. */
  opd?: Float64Array | number[][];
  /** Shape `[ny, nx]` of flat typed arrays (implied by nested arrays). */
  shape?: [number, number];
  /** Pixel scale of the arrays: metres (pupil) or arcsec (image) per pixel. */
  pixelscale: number;
  /** Units of `opd`. Default 'meters'. */
  opdUnits?: OpdUnits;
  /** Plane kind the arrays describe. Default 'pupil'. */
  planeType?: PlaneKind;
}

/** OPD units accepted by {@link ArrayOptic} and {@link FitsOptic}. */
export type OpdUnits = 'meters' | 'microns' | 'nanometers';
const OPD_SCALE: Record<OpdUnits, number> = { meters: 1, microns: 1e-6, nanometers: 1e-9 };

function flatten(path: string, v: unknown, shape: [number, number] | undefined): { data: Float64Array; shape: [number, number] } {
  if (v instanceof Float64Array) {
    if (!shape) throw new TypeError(`${path}: a flat Float64Array needs shape [ny, nx]`);
    if (v.length !== shape[0] * shape[1]) throw new RangeError(`${path} has ${v.length} elements, shape ${show(shape)} needs ${shape[0] * shape[1]}`);
    return { data: v, shape };
  }
  if (!Array.isArray(v) || v.length === 0 || !Array.isArray(v[0])) {
    throw new TypeError(`${path} must be a Float64Array or a nested array of rows, got ${show(v)}`);
  }
  const ny = v.length;
  const nx = (v[0] as unknown[]).length;
  const data = new Float64Array(ny * nx);
  v.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== nx) throw new RangeError(`${path}[${i}] must be a row of ${nx} numbers`);
    row.forEach((x, j) => {
      data[i * nx + j] = finiteNumber(`${path}[${i}][${j}]`, x);
    });
  });
  if (shape && (shape[0] !== ny || shape[1] !== nx)) throw new RangeError(`${path} is ${ny}x${nx}, shape says ${show(shape)}`);
  return { data, shape: [ny, nx] };
}

/** Bilinear sample of a [ny, nx] array at fractional index (fy, fx); `fill` outside. */
function bilinear(a: Float64Array, ny: number, nx: number, fy: number, fx: number, fill: number): number {
  if (fy < -0.5 || fy > ny - 0.5 || fx < -0.5 || fx > nx - 0.5) return fill;
  const y = Math.min(Math.max(fy, 0), ny - 1);
  const x = Math.min(Math.max(fx, 0), nx - 1);
  const y0 = Math.min(Math.floor(y), ny - 2 < 0 ? 0 : ny - 2);
  const x0 = Math.min(Math.floor(x), nx - 2 < 0 ? 0 : nx - 2);
  const ty = ny > 1 ? y - y0 : 0;
  const tx = nx > 1 ? x - x0 : 0;
  const at = (i: number, j: number) => a[Math.min(i, ny - 1) * nx + Math.min(j, nx - 1)]!;
  return (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) + ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
}

/** Transmission and/or OPD given as arrays, centred on the plane, resampled bilinearly to the plane's grid. */
export class ArrayOptic extends Optic {
  readonly type: string = 'ArrayOptic';
  readonly planes: readonly PlaneKind[];
  readonly pixelscale: number;
  readonly shape: [number, number];
  readonly transmission: Float64Array | null;
  /** OPD in metres. */
  readonly opdMeters: Float64Array | null;

  constructor(p: ArrayOpticParams, path = 'ArrayOptic', extraKeys: string[] = []) {
    super(p, ['transmission', 'opd', 'shape', 'pixelscale', 'opdUnits', 'planeType', ...extraKeys], path);
    const q = p as unknown as Record<string, unknown>;
    this.pixelscale = pos(path, q, 'pixelscale');
    const units = q.opdUnits === undefined ? 'meters' : oneOf(`${path}.opdUnits`, q.opdUnits, ['meters', 'microns', 'nanometers'] as const);
    const planeType = q.planeType === undefined ? 'pupil' : oneOf(`${path}.planeType`, q.planeType, ['pupil', 'image'] as const);
    this.planes = [planeType];
    const shape = q.shape === undefined ? undefined : ([integer(`${path}.shape[0]`, (q.shape as unknown[])[0]), integer(`${path}.shape[1]`, (q.shape as unknown[])[1])] as [number, number]);
    if (q.transmission === undefined && q.opd === undefined) throw new TypeError(`${path} needs transmission, opd, or both`);
    const t = q.transmission === undefined ? null : flatten(`${path}.transmission`, q.transmission, shape);
    const o = q.opd === undefined ? null : flatten(`${path}.opd`, q.opd, shape ?? t?.shape);
    if (t && o && (t.shape[0] !== o.shape[0] || t.shape[1] !== o.shape[1])) {
      throw new RangeError(`${path}: transmission is ${t.shape.join('x')} but opd is ${o.shape.join('x')}`);
    }
    this.shape = (t ?? o)!.shape;
    this.transmission = t ? t.data : null;
    if (t) t.data.forEach((v, i) => {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`${path}.transmission[${i}] must be finite and >= 0, got ${v}`);
    });
    this.opdMeters = o ? o.data.map((v) => v * OPD_SCALE[units]) : null;
    if (this.opdMeters) this.opdMeters.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new RangeError(`${path}.opd[${i}] must be finite, got ${v}`);
    });
  }
  override pupilDiameter() {
    return Math.max(...this.shape) * this.pixelscale;
  }
  override outside() {
    return this.transmission ? 0 : 1;
  }
  override extent() {
    return (Math.hypot(this.shape[0], this.shape[1]) / 2) * this.pixelscale;
  }
  override hasOpd() {
    return this.opdMeters !== null;
  }
  apply(grid: Grid, r: Rect, amp: Float64Array, opd: Float64Array | null): void {
    const loc = this.local(grid);
    const [ny, nx] = this.shape;
    const same = grid.scale === this.pixelscale && this.rotation === 0;
    for (let i = 0; i < r.ny; i++) {
      for (let j = 0; j < r.nx; j++) {
        const [x, y] = loc(i + r.y0, j + r.x0);
        let fy = y / this.pixelscale + (ny - 1) / 2;
        let fx = x / this.pixelscale + (nx - 1) / 2;
        if (same) {
          // Same sampling: snap to the nearest sample so the arrays pass through unchanged.
          fy = Math.round(fy * 1e9) / 1e9;
          fx = Math.round(fx * 1e9) / 1e9;
        }
        const k = i * r.nx + j;
        if (this.transmission) amp[k] *= bilinear(this.transmission, ny, nx, fy, fx, 0);
        if (this.opdMeters && opd) opd[k] += bilinear(this.opdMeters, ny, nx, fy, fx, 0);
      }
    }
  }
  override toJSON() {
    return { type: this.type, pixelscale: this.pixelscale, shape: this.shape, planeType: this.planes[0] };
  }
}

/** Parameters of {@link FitsOptic}. */
export interface FitsOpticParams extends PlacementParams {
  /** FITS file of amplitude transmission (primary HDU, 2D). */
  transmission?: string;
  /** FITS file of OPD (primary HDU, 2D), in `opdUnits`. */
  opd?: string;
  /** Pixel scale, metres (pupil) or arcsec (image) per pixel; default from the header (PIXELSCL or PUPLSCAL). */
  pixelscale?: number;
  /** Units of the OPD file. Default 'meters'. */
  opdUnits?: OpdUnits;
  /** Plane kind the files describe. Default 'pupil'. */
  planeType?: PlaneKind;
}

/** Transmission and/or OPD read from FITS files with CFITSIO. */
export class FitsOptic extends ArrayOptic {
  override readonly type = 'FitsOptic';
  readonly files: { transmission?: string; opd?: string };
  constructor(p: FitsOpticParams, path = 'FitsOptic') {
    const q = p as Record<string, unknown>;
    if (q === null || typeof q !== 'object') throw new TypeError(`${path} must be an object of parameters, got ${show(q)}`);
    if (q.transmission === undefined && q.opd === undefined) throw new TypeError(`${path} needs transmission, opd, or both (FITS file paths)`);
    const read = (key: string) => {
      if (q[key] === undefined) return undefined;
      if (typeof q[key] !== 'string') throw new TypeError(`${path}.${key} must be a FITS file path, got ${show(q[key])}`);
      return readFitsImage(q[key] as string, `${path}.${key}`);
    };
    const t = read('transmission');
    const o = read('opd');
    let scale = q.pixelscale;
    if (scale === undefined) {
      const h = (t ?? o)!.header;
      scale = h.PIXELSCL ?? h.PUPLSCAL;
      if (scale === undefined) throw new TypeError(`${path}.pixelscale is required (the FITS header has no PIXELSCL or PUPLSCAL)`);
    }
    super(
      {
        ...(p as object),
        transmission: t?.data,
        opd: o?.data,
        shape: (t ?? o)!.shape,
        pixelscale: scale as number,
      } as ArrayOpticParams,
      path,
    );
    this.files = { transmission: q.transmission as string | undefined, opd: q.opd as string | undefined };
  }
  override toJSON() {
    return { type: this.type, ...this.files, pixelscale: this.pixelscale, shape: this.shape, planeType: this.planes[0]! };
  }
}

/** Constructors by JSON type name. */
export const OPTIC_TYPES: Record<string, new (p: never, path?: string) => Optic> = {
  CircularAperture,
  SquareAperture,
  RectangleAperture,
  HexagonAperture,
  NgonAperture,
  SecondaryObscuration,
  CompoundOptic,
  ScalarTransmission,
  ThinLens,
  ZernikeWFE,
  CircularOcculter,
  AnnularFieldStop,
  SquareFieldStop,
  BarOcculter,
  IdealFQPM,
  BandLimitedCoronagraph,
  FitsOptic,
  ArrayOptic,
};
