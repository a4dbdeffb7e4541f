/**
 * Compiling a system: pupil planes are rasterised once (natively, from their
 * optics' layers), image planes are handed to native code as layers to
 * sample per wavelength, and the detector becomes an MFT output size. The
 * result depends on the planes only, never on per-call options.
 */
import { native, type NativeLayer, type NativeStep, type NativeSystemDesc, type NativeSystemHandle } from '../binding';
import { rethrowNative } from '../errors';
import { combinedExtent, type Conventions, type Grid, type Optic, type Rect } from '../optics';
import { gaussLegendre } from '../quadrature';
import type { WorkloadShape } from '../run/memory';
import { DEFAULT_ANALYTIC_SAMPLING, DEFAULT_MASK_SAMPLING, type DetectorPlane, type ImagePlaneMethod, type MaskModel, type Propagation } from './system';

/** The detector of a compiled system (oversampled pixels). */
export interface CompiledDetector {
  /** Computed pixels, `[ny, nx]` (fovPixels × oversample). */
  shape: [number, number];
  /** Arcsec per computed pixel. */
  pixelscale: number;
  oversample: number;
  /** Detector pixels, `[ny, nx]`. */
  fovPixels: [number, number];
  /** The detector centre in the field, arcsec. */
  offsetX: number;
  offsetY: number;
  /** Degrees counter-clockwise. */
  rotation: number;
  /** Gauss–Legendre nodes per axis over each computed pixel (1: its centre). */
  pixelIntegration: number;
}

/** A system in native form, with what the rest of lib/ needs to know of it. */
export interface Compiled {
  handle: NativeSystemHandle;
  /** Radians counter-clockwise the system is turned by to sit in the detector's frame. */
  turn: number;
  desc: NativeSystemDesc;
  npix: number;
  /** FFT grid N (= npix when there is no image plane). */
  padded: number;
  /** Metres per pupil pixel. */
  pupilScale: number;
  pupilDiameter: number;
  detector: CompiledDetector;
  imagePlanes: number;
  /** How each image plane is propagated. */
  imageMethods: ImagePlaneMethod[];
  /** Seconds spent rasterising and building. */
  rasterSeconds: number;
  /** Sizes for the memory model. */
  shape: WorkloadShape;
}

/** A plane as compile() sees it (consecutive pupil planes already merged). */
export type CompilePlane =
  | {
      kind: 'pupil';
      optics: readonly Optic[];
      /** The conjugate planes merged into this one, each sampled on its own. */
      parts?: readonly (readonly Optic[])[];
    }
  | { kind: 'image'; optics: readonly Optic[]; propagation?: Propagation; maskSampling?: number; maskModel?: MaskModel; index?: number }
  | DetectorPlane;

/** System-wide image-plane settings, for planes that do not choose, and how shapes are sampled. */
export interface ImageDefaults {
  propagation: Propagation;
  maskSampling: number | undefined;
  maskModel: MaskModel;
  conventions?: Conventions;
}

/** The value an optics product takes beyond its extent. */
export const outsideOf = (optics: readonly Optic[]) => optics.reduce((a, o) => a * o.outside(), 1);

/** One pupil plane's samples on a window of the grid. */
interface PupilSamples {
  amp: Float64Array;
  /** The product of the shape layers' values: the open fraction of each pixel. */
  cover: Float64Array;
  opd?: Float64Array;
  y0: number;
  x0: number;
  ny: number;
  nx: number;
}

/** Sampled pupil planes by what they were sampled from, kept between compiles of one system. */
export type PupilCache = Map<string, PupilSamples>;

const opticIds = new WeakMap<Optic, number>();
let nextOpticId = 0;
/**
 * How optics are sampled: their shapes' conventions, and the turn (radians,
 * counter-clockwise) of the whole system about the axis that puts it in the
 * detector's frame.
 */
interface Frame {
  conventions: Conventions;
  turn: number;
}

/** The optics' raster layers, each turned with its shift about the axis by `frame.turn`. */
function layersIn(optics: readonly Optic[], frame: Frame): NativeLayer[] {
  const layers = optics.flatMap((o) => o.layers(frame.conventions));
  if (frame.turn === 0) return layers;
  const [c, s] = [Math.cos(frame.turn), Math.sin(frame.turn)];
  return layers.map((l) => ({ ...l, shiftX: c * l.shiftX - s * l.shiftY, shiftY: s * l.shiftX + c * l.shiftY, rotation: l.rotation + frame.turn }));
}

/** What a plane's samples depend on: its optics (identity and version), grid, window and frame. */
function pupilKey(optics: readonly Optic[], grid: Grid, rect: Rect | { extent: number }, frame: Frame): string {
  const ids = optics.map((o) => {
    if (!opticIds.has(o)) opticIds.set(o, nextOpticId++);
    return `${opticIds.get(o)}.${o.version}`;
  });
  return JSON.stringify([ids, grid, rect, frame]);
}

/** One plane's samples, from `cache` when nothing they depend on has changed. */
function samplesOf(
  optics: readonly Optic[],
  grid: Grid,
  rect: Rect | { extent: number },
  frame: Frame,
  cache: { samples: PupilCache; used: Set<string> },
): PupilSamples {
  const key = pupilKey(optics, grid, rect, frame);
  cache.used.add(key);
  const hit = cache.samples.get(key);
  if (hit) return hit;
  const { amp, cover, opd, y0, x0, ny, nx } = native().rasterPlane(layersIn(optics, frame), grid, rect);
  const s = { amp, cover, ...(opd ? { opd } : {}), y0, x0, ny, nx };
  cache.samples.set(key, s);
  return s;
}

/**
 * Conjugate pupil planes (`parts`, whose optics multiply) sampled on `rect`,
 * or on the window their optics' extent implies (the rest is `outside`). Each
 * part is sampled on its own and kept, so a deformable mirror set between
 * calls re-samples only its own plane; the parts' amplitudes multiply and
 * their OPDs add.
 */
function pupilStep(
  parts: readonly (readonly Optic[])[],
  grid: Grid,
  rect: Rect | { extent: number },
  outside: number,
  frame: Frame,
  cache: { samples: PupilCache; used: Set<string> },
): { step: NativeStep; energy: number } {
  const first = samplesOf(parts[0]!, grid, rect, frame, cache);
  const window = { y0: first.y0, x0: first.x0, ny: first.ny, nx: first.nx };
  const rest = parts.slice(1).map((p) => samplesOf(p, grid, window, frame, cache));
  const all = [first, ...rest];
  const amp = rest.length ? Float64Array.from(first.amp) : first.amp;
  const cover = rest.length ? Float64Array.from(first.cover) : first.cover;
  for (const s of rest) {
    for (let i = 0; i < amp.length; i++) {
      amp[i]! *= s.amp[i]!;
      cover[i]! *= s.cover[i]!;
    }
  }
  const withOpd = all.filter((s) => s.opd);
  const opd = withOpd.length > 1 ? new Float64Array(amp.length) : withOpd[0]?.opd;
  if (withOpd.length > 1) for (const s of withOpd) for (let i = 0; i < opd!.length; i++) opd![i]! += s.opd![i]!;
  return { step: { kind: 'pupil', mask: { ...window, outside, amp, ...(opd ? { opd } : {}) } }, energy: apertureEnergy(amp, cover) };
}

/**
 * The energy of the aperture the samples stand for: an edge pixel holding
 * the open fraction c of its area has amplitude a = g·c (g the transmission
 * there) and carries g²·c = a²/c of light, where a² alone would count c²
 * and make the normalisation 'first' depend on the sampling at first order.
 */
function apertureEnergy(amp: Float64Array, cover: Float64Array): number {
  let e = 0;
  for (let i = 0; i < amp.length; i++) if (cover[i]! > 0) e += (amp[i]! * amp[i]!) / cover[i]!;
  return e;
}

/** The detector step's quadrature over each pixel: node offsets from its centre (pixels) and weights. */
function pixelNodes(order: number): { pixelOrder?: number; pixelNodes?: Float64Array; pixelWeights?: Float64Array } {
  if (order === 1) return {};
  const { x, w } = gaussLegendre(order);
  return { pixelOrder: order, pixelNodes: Float64Array.from(x, (v) => v - 0.5), pixelWeights: Float64Array.from(w) };
}

/** An optics product's extent as native code takes it (< 0: unbounded). */
export const extentOf = (optics: readonly Optic[]) => {
  const e = combinedExtent(optics);
  return Number.isFinite(e) ? e : -1;
};

/**
 * Builds the native system for `planes` (validated, consecutive pupil planes
 * merged) with pupil diameter `D` on an npix grid padded by `oversample`.
 */
export function compilePlanes(
  planes: readonly CompilePlane[],
  npix: number,
  oversample: number,
  D: number,
  defaults: ImageDefaults = { propagation: 'fft', maskSampling: undefined, maskModel: 'auto' },
  pupils: PupilCache = new Map(),
): Compiled {
  const t0 = performance.now();
  const conventions = defaults.conventions ?? 'airy';
  const cache = { samples: pupils, used: new Set<string>() };
  let pupilEnergy = 0;
  const n = npix;
  const dx = D / n;
  const imagePlanes = planes.filter((p) => p.kind === 'image').length;
  const N = imagePlanes > 0 ? n * oversample : n;
  const p0 = Math.floor((N - n) / 2);
  const steps: NativeStep[] = [];
  let detector: CompiledDetector | undefined;
  const pupilRect = { y0: p0, x0: p0, ny: n, nx: n };
  // A turned detector sees the system turned the other way.
  const last = planes[planes.length - 1];
  const frame: Frame = { conventions, turn: last?.kind === 'detector' ? (-last.rotation * Math.PI) / 180 : 0 };
  planes.forEach((pl, i) => {
    if (pl.kind === 'pupil' && i === 0) {
      const grid = { ny: n, nx: n, cy: (n - 1) / 2, cx: (n - 1) / 2, scale: dx };
      const { step, energy } = pupilStep(pl.parts ?? [pl.optics], grid, { y0: 0, x0: 0, ny: n, nx: n }, 0, frame, cache);
      steps.push(step);
      // POPPY normalises by the samples' own sum of squares; airy by the aperture's energy.
      if (conventions === 'airy') pupilEnergy = energy;
    } else if (pl.kind === 'pupil' && pl.optics.length === 0) {
      steps.push({ kind: 'pupil' });
    } else if (pl.kind === 'pupil') {
      const grid = { ny: N, nx: N, cy: p0 + (n - 1) / 2, cx: p0 + (n - 1) / 2, scale: dx };
      steps.push(pupilStep(pl.parts ?? [pl.optics], grid, { extent: extentOf(pl.optics) }, outsideOf(pl.optics), frame, cache).step);
    } else if (pl.kind === 'image') {
      steps.push({
        kind: 'image',
        layers: layersIn(pl.optics, frame),
        extent: pl.optics.length ? extentOf(pl.optics) : 0,
        outside: outsideOf(pl.optics),
        method: 'fft',
      });
    } else if (pl.kind === 'detector') {
      const { fovPixels, oversample: k, offsetX, offsetY, rotation, pixelIntegration } = pl;
      const shape: [number, number] = [fovPixels[0] * k, fovPixels[1] * k];
      detector = { shape, pixelscale: pl.pixelscale / k, oversample: k, fovPixels, offsetX, offsetY, rotation, pixelIntegration };
      const [c, s] = [Math.cos(frame.turn), Math.sin(frame.turn)];
      const turned = { offsetX: c * offsetX - s * offsetY, offsetY: s * offsetX + c * offsetY };
      steps.push({ kind: 'detector', npixY: shape[0], npixX: shape[1], pixelscale: detector.pixelscale, ...turned, ...pixelNodes(pixelIntegration) });
    }
  });
  for (const key of pupils.keys()) if (!cache.used.has(key)) pupils.delete(key);
  const imageMethods = choosePropagation(planes, steps, pupilRect, oversample, defaults);
  // An energy that overflows is left to native code, which reports it naming the plane.
  const energy = pupilEnergy > 0 && Number.isFinite(pupilEnergy) ? { pupilEnergy } : {};
  const desc: NativeSystemDesc = { npix: n, padded: N, pupilScale: dx, steps, ...energy };
  let handle: NativeSystemHandle;
  try {
    handle = new (native().NativeSystem)(desc);
  } catch (e) {
    rethrowNative(e);
  }
  const det = detector as CompiledDetector;
  return {
    handle,
    turn: frame.turn,
    desc,
    npix: n,
    padded: N,
    pupilScale: dx,
    pupilDiameter: D,
    detector: det,
    imagePlanes,
    imageMethods,
    rasterSeconds: (performance.now() - t0) / 1e3,
    shape: workloadShape(desc, Math.max(...det.shape), imageMethods),
  };
}

type Rect4 = { y0: number; x0: number; ny: number; nx: number };

/** A later pupil's mask clipped to the pupil array, or undefined if it lets light through outside it. */
function clipToPupil(st: NativeStep, r: Rect4): NativeStep | undefined {
  if (st.kind !== 'pupil' || !st.mask || st.mask.outside !== 0) return undefined;
  const m = st.mask;
  const y0 = Math.max(m.y0, r.y0),
    x0 = Math.max(m.x0, r.x0);
  const y1 = Math.min(m.y0 + m.ny, r.y0 + r.ny),
    x1 = Math.min(m.x0 + m.nx, r.x0 + r.nx);
  const amp = new Float64Array(Math.max(0, y1 - y0) * Math.max(0, x1 - x0));
  const opd = m.opd ? new Float64Array(amp.length) : undefined;
  for (let y = m.y0; y < m.y0 + m.ny; y++) {
    for (let x = m.x0; x < m.x0 + m.nx; x++) {
      const k = (y - m.y0) * m.nx + (x - m.x0);
      const a = m.amp ? m.amp[k]! : 1;
      const inside = y >= y0 && y < y1 && x >= x0 && x < x1;
      if (!inside && a !== 0) return undefined;
      if (!inside) continue;
      const j = (y - y0) * (x1 - x0) + (x - x0);
      amp[j] = a;
      if (opd) opd[j] = m.opd![k]!;
    }
  }
  return { kind: 'pupil', mask: { y0, x0, ny: y1 - y0, nx: x1 - x0, outside: 0, amp, ...(opd ? { opd } : {}) } };
}

/**
 * Resolves each image plane's propagation ('auto' takes 'mft' wherever it
 * applies), setting the native steps' methods; with any MFT plane, later
 * pupils are clipped to the pupil array (the field lives there).
 */
function choosePropagation(
  planes: readonly CompilePlane[],
  steps: NativeStep[],
  pupilRect: Rect4,
  oversample: number,
  defaults: ImageDefaults,
): ImagePlaneMethod[] {
  const firstImage = planes.findIndex((p) => p.kind === 'image');
  const clipped = steps.map((st, i) => (i > firstImage && firstImage >= 0 && st.kind === 'pupil' ? clipToPupil(st, pupilRect) : st));
  const contained = clipped.every((st) => st !== undefined);
  const methods: ImagePlaneMethod[] = [];
  planes.forEach((pl, i) => {
    const st = steps[i]!;
    if (pl.kind !== 'image' || st.kind !== 'image') return;
    const where = `planes[${pl.index ?? i}]`;
    const asked = pl.propagation ?? defaults.propagation;
    const vortex = isVortex(st.layers);
    const finite = pl.optics.length > 0 && (st.extent > 0 || vortex);
    const chromatic = st.layers.some((l) => l.kind === 'vortex' && l.designWavelength !== undefined);
    const why = chromatic
      ? 'a chromatic vortex (wavelength set) has a phase step along a half-line, which no MFT box holds'
      : !finite
        ? `${pl.optics.map((o) => o.type).join(' × ') || 'an empty plane'} has no finite extent`
        : !contained
          ? 'a later pupil lets light through outside the pupil array'
          : '';
    if (asked === 'mft' && why) throw new RangeError(`${where}.propagation is 'mft' but ${why}; use 'auto' or 'fft'`);
    const mft = asked === 'mft' || (asked === 'auto' && !why);
    const onBox = vortex ? 'auto: a vortex, by a coarse FFT and an MFT box around its centre' : 'auto: mask of finite extent';
    const reason = asked !== 'auto' ? `asked for '${asked}'` : mft ? onBox : `auto: ${why}`;
    if (!mft) {
      methods.push({ plane: pl.index ?? i, method: 'fft', sampling: oversample, model: 'sampled', reason });
      return;
    }
    const { model, sampling } = boxModel(pl, st.layers, defaults, where);
    Object.assign(st, { method: 'mft', sampling, model });
    methods.push({ plane: pl.index ?? i, method: 'mft', sampling, model, reason });
  });
  if (methods.some((m) => m.method === 'mft')) {
    for (let i = 0; i < steps.length; i++) steps[i] = clipped[i]!;
  }
  return methods;
}

const FINITE_PRIMS = new Set(['circle', 'annulus', 'rect']);

/** Whether a plane's layers are one finite analytic shape times constants (native bandlimit::analytic). */
function analyticShape(layers: readonly NativeLayer[]): boolean {
  const shapes = layers.filter((l) => l.kind !== 'scalar');
  return (
    shapes.length === 1 &&
    shapes[0]!.kind === 'shape' &&
    shapes[0]!.prims.length === 1 &&
    FINITE_PRIMS.has(shapes[0]!.prims[0]!.kind) &&
    !shapes[0]!.prims[0]!.x &&
    !shapes[0]!.prims[0]!.y
  );
}

/** Whether a plane's layers are one achromatic vortex times constants (native vortex::is). */
function isVortex(layers: readonly NativeLayer[]): boolean {
  const rest = layers.filter((l) => l.kind !== 'scalar');
  return rest.length === 1 && rest[0]!.kind === 'vortex' && rest[0]!.designWavelength === undefined;
}

/** An MFT plane's mask model and box sampling. */
function boxModel(
  pl: { maskSampling?: number; maskModel?: MaskModel },
  layers: readonly NativeLayer[],
  defaults: ImageDefaults,
  where: string,
): { model: 'analytic' | 'sampled'; sampling: number } {
  const asked = pl.maskModel ?? defaults.maskModel;
  const given = pl.maskSampling ?? defaults.maskSampling;
  const analytic = analyticShape(layers) || isVortex(layers);
  if (isVortex(layers) && (asked === 'sampled' || (given !== undefined && given < 3))) {
    throw new RangeError(`${where}: a vortex by MFT takes maskModel 'auto' or 'analytic' and maskSampling of 3 or more; use propagation 'fft' to sample it`);
  }
  if (asked === 'analytic' && !analytic) {
    throw new RangeError(`${where}.maskModel is 'analytic' but the plane is not one circle, annulus, rectangle or vortex; use 'auto' or 'sampled'`);
  }
  const model = asked === 'sampled' || !analytic ? 'sampled' : 'analytic';
  if (model === 'sampled') return { model, sampling: given ?? DEFAULT_MASK_SAMPLING };
  if (given !== undefined && given < 3) {
    if (asked === 'analytic') throw new RangeError(`${where}.maskSampling must be at least 3 for maskModel 'analytic', got ${given}`);
    return { model: 'sampled', sampling: given };
  }
  return { model, sampling: given ?? DEFAULT_ANALYTIC_SAMPLING };
}

/** Sizes the memory model needs. */
function workloadShape(desc: NativeSystemDesc, detector: number, methods: readonly ImagePlaneMethod[]): WorkloadShape {
  const fft = methods.some((m) => m.method === 'fft');
  const pupilGrid = methods.some((m) => m.method === 'mft');
  let bytes = 0;
  let mftInput = desc.npix;
  desc.steps.forEach((st, i) => {
    if (st.kind === 'pupil' && st.mask) bytes += ((st.mask.amp?.length ?? 0) + (st.mask.opd?.length ?? 0)) * 8;
    if (st.kind === 'pupil' && i > 0) mftInput = st.mask && st.mask.outside === 0 ? Math.max(st.mask.ny, st.mask.nx) : desc.padded;
  });
  const first = desc.steps[0];
  const opd = first?.kind === 'pupil' && first.mask?.opd !== undefined;
  const vortex = desc.steps.some((st) => st.kind === 'image' && st.method === 'mft' && isVortex(st.layers));
  return { npix: desc.npix, padded: desc.padded, detector, fft, pupilGrid, vortex, mftInput, systemBytes: bytes, opd };
}
