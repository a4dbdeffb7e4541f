/**
 * Compiling a system: pupil planes are rasterised once (natively, from their
 * optics' layers), image planes are handed to native code as layers to
 * sample per wavelength, and the detector becomes an MFT output size. The
 * result depends on the planes only, never on per-call options.
 */
import { native, type NativeStep, type NativeSystemDesc, type NativeSystemHandle } from '../binding';
import { rethrowNative } from '../errors';
import { combinedExtent, type Grid, type Optic, type Rect } from '../optics';
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

const outsideOf = (optics: readonly Optic[]) => optics.reduce((a, o) => a * o.outside(), 1);

/** A pupil plane sampled on `rect`, or on the window its optics' extent implies (the rest is `outside`). */
function pupilStep(optics: readonly Optic[], grid: Grid, rect: Rect | { extent: number }, outside: number): NativeStep {
  const { amp, opd, y0, x0, ny, nx } = native().rasterPlane(
    optics.flatMap((o) => o.layers()),
    grid,
    rect,
  );
  return { kind: 'pupil', mask: { y0, x0, ny, nx, outside, amp, ...(opd ? { opd } : {}) } };
}

/** An optics product's extent as native code takes it (< 0: unbounded). */
const extentOf = (optics: readonly Optic[]) => {
  const e = combinedExtent(optics);
  return Number.isFinite(e) ? e : -1;
};

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
      steps.push(pupilStep(pl.optics, grid, { extent: extentOf(pl.optics) }, outsideOf(pl.optics)));
    } else if (pl.kind === 'image') {
      steps.push({
        kind: 'image',
        layers: pl.optics.flatMap((o) => o.layers()),
        extent: pl.optics.length ? extentOf(pl.optics) : 0,
        outside: outsideOf(pl.optics),
      });
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
