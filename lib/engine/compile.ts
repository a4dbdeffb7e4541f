/**
 * Compiling a system: pupil planes are rasterised once (natively, from their
 * optics' layers), image planes are handed to native code as layers to
 * sample per wavelength, and the detector becomes an MFT output size. The
 * result depends on the planes only, never on per-call options.
 */
import { native, type NativeStep, type NativeSystemDesc, type NativeSystemHandle } from '../binding';
import { rethrowNative } from '../errors';
import { combinedExtent, type Grid, type Optic, type Rect, samplePlane } from '../optics';
import type { WorkloadShape } from '../run/memory';

/** The detector of a compiled system (oversampled pixels). */
export interface CompiledDetector {
  /** Computed pixels a side (fovPixels × oversample). */
  npix: number;
  /** Arcsec per computed pixel. */
  pixelscale: number;
  oversample: number;
  fovPixels: number;
}

/** A system in native form, with what the rest of lib/ needs to know of it. */
export interface Compiled {
  handle: NativeSystemHandle;
  desc: NativeSystemDesc;
  npix: number;
  /** FFT grid N (= npix when there is no image plane). */
  padded: number;
  /** Metres per pupil pixel. */
  pupilScale: number;
  pupilDiameter: number;
  detector: CompiledDetector;
  imagePlanes: number;
  /** Seconds spent rasterising and building. */
  rasterSeconds: number;
  /** Sizes for the memory model. */
  shape: WorkloadShape;
}

/** A plane as compile() sees it (consecutive pupil planes already merged). */
export type CompilePlane =
  | { kind: 'pupil' | 'image'; optics: readonly Optic[] }
  | { kind: 'detector'; pixelscale: number; fovPixels: number; oversample: number };

/** Pixel window of `grid` outside which a product of optics is constant. */
function windowFor(optics: readonly Optic[], grid: Grid): Rect {
  const ext = combinedExtent(optics);
  if (!Number.isFinite(ext)) return { y0: 0, x0: 0, ny: grid.ny, nx: grid.nx };
  const half = ext / grid.scale + 1;
  const y0 = Math.max(0, Math.floor(grid.cy - half));
  const x0 = Math.max(0, Math.floor(grid.cx - half));
  const y1 = Math.min(grid.ny, Math.ceil(grid.cy + half) + 1);
  const x1 = Math.min(grid.nx, Math.ceil(grid.cx + half) + 1);
  return { y0, x0, ny: Math.max(0, y1 - y0), nx: Math.max(0, x1 - x0) };
}

const outsideOf = (optics: readonly Optic[]) => optics.reduce((a, o) => a * o.outside(), 1);

function pupilStep(optics: readonly Optic[], grid: Grid, r: Rect, outside: number): NativeStep {
  const { amp, opd } = samplePlane(optics, grid, r);
  return { kind: 'pupil', mask: { ...r, outside, amp, ...(opd ? { opd } : {}) } };
}

/**
 * Builds the native system for `planes` (validated, consecutive pupil planes
 * merged) with pupil diameter `D` on an npix grid padded by `oversample`.
 */
export function compilePlanes(planes: readonly CompilePlane[], npix: number, oversample: number, D: number): Compiled {
  const t0 = performance.now();
  const n = npix;
  const dx = D / n;
  const imagePlanes = planes.filter((p) => p.kind === 'image').length;
  const N = imagePlanes > 0 ? n * oversample : n;
  const p0 = Math.floor((N - n) / 2);
  const steps: NativeStep[] = [];
  let detector: CompiledDetector | undefined;
  planes.forEach((pl, i) => {
    if (pl.kind === 'pupil' && i === 0) {
      const grid = { ny: n, nx: n, cy: (n - 1) / 2, cx: (n - 1) / 2, scale: dx };
      steps.push(pupilStep(pl.optics, grid, { y0: 0, x0: 0, ny: n, nx: n }, 0));
    } else if (pl.kind === 'pupil' && pl.optics.length === 0) {
      steps.push({ kind: 'pupil' });
    } else if (pl.kind === 'pupil') {
      const grid = { ny: N, nx: N, cy: p0 + (n - 1) / 2, cx: p0 + (n - 1) / 2, scale: dx };
      steps.push(pupilStep(pl.optics, grid, windowFor(pl.optics, grid), outsideOf(pl.optics)));
    } else if (pl.kind === 'image') {
      const extent = pl.optics.length ? combinedExtent(pl.optics) : 0;
      steps.push({ kind: 'image', layers: pl.optics.flatMap((o) => o.layers()), extent: Number.isFinite(extent) ? extent : -1, outside: outsideOf(pl.optics) });
    } else if (pl.kind === 'detector') {
      const m = pl.fovPixels * pl.oversample;
      detector = { npix: m, pixelscale: pl.pixelscale / pl.oversample, oversample: pl.oversample, fovPixels: pl.fovPixels };
      steps.push({ kind: 'detector', npixY: m, npixX: m, pixelscale: detector.pixelscale });
    }
  });
  const desc: NativeSystemDesc = { npix: n, padded: N, pupilScale: dx, steps };
  let handle: NativeSystemHandle;
  try {
    handle = new (native().NativeSystem)(desc);
  } catch (e) {
    rethrowNative(e);
  }
  const det = detector as CompiledDetector;
  return {
    handle,
    desc,
    npix: n,
    padded: N,
    pupilScale: dx,
    pupilDiameter: D,
    detector: det,
    imagePlanes,
    rasterSeconds: (performance.now() - t0) / 1e3,
    shape: workloadShape(desc, det.npix, imagePlanes > 0),
  };
}

/** Sizes the memory model needs. */
function workloadShape(desc: NativeSystemDesc, detector: number, fft: boolean): WorkloadShape {
  let bytes = 0;
  let mftInput = desc.npix;
  desc.steps.forEach((st, i) => {
    if (st.kind === 'pupil' && st.mask) bytes += ((st.mask.amp?.length ?? 0) + (st.mask.opd?.length ?? 0)) * 8;
    if (st.kind === 'pupil' && i > 0) mftInput = st.mask && st.mask.outside === 0 ? Math.max(st.mask.ny, st.mask.nx) : desc.padded;
  });
  const first = desc.steps[0];
  const opd = first?.kind === 'pupil' && first.mask?.opd !== undefined;
  return { npix: desc.npix, padded: desc.padded, detector, fft, mftInput, systemBytes: bytes, opd };
}
