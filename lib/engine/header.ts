/** The FITS header of a PSF: POPPY's keywords plus airy's provenance (ARCHITECTURE §7). */
import type { Precision } from '../config';
import type { ResolvedSource } from './source';
import type { ParallelPlan } from '../run/plan';
import { version } from '../version';
import { blasInfo } from './blas';
import type { Compiled } from './compile';
import { fftwInfo } from './fftw';

const ARCSEC_PER_RAD = (180 / Math.PI) * 3600;

/** What ran: the normalisation, the precision and the seconds taken. */
export interface RunFacts {
  normalize: string;
  precision: Precision;
  totalSeconds: number;
}

export function psfHeader(c: Compiled, src: ResolvedSource, run: RunFacts, plan: ParallelPlan): Record<string, number | string | boolean> {
  const d = c.detector;
  const meanLam = src.wavelengths.reduce((a, l, i) => a + l * src.weights[i]!, 0);
  const b = blasInfo();
  const header: Record<string, number | string | boolean> = {
    PIXELSCL: c.detector.pixelscale,
    OVERSAMP: c.detector.oversample,
    DET_SAMP: c.detector.oversample,
    WAVELEN: meanLam,
    NWAVES: src.wavelengths.length,
  };
  src.wavelengths.forEach((l, i) => {
    header[`WAVE${i}`] = l;
    header[`WGHT${i}`] = src.weights[i]!;
  });
  c.imageMethods.forEach((m, i) => {
    header[`IMPROP${i + 1}`] = m.method;
    header[`IMSAMP${i + 1}`] = m.sampling;
    header[`IMMODL${i + 1}`] = m.model;
  });
  return Object.assign(header, {
    NORMALIZ: run.normalize,
    DIFFLMT: (meanLam / c.pupilDiameter) * ARCSEC_PER_RAD,
    FOV: Math.max(...d.shape) * d.pixelscale,
    ...(d.shape[0] !== d.shape[1] ? { FOV_Y: d.shape[0] * d.pixelscale, FOV_X: d.shape[1] * d.pixelscale } : {}),
    DETOFFX: d.offsetX,
    DETOFFY: d.offsetY,
    DETROT: d.rotation,
    PIXINTEG: d.pixelIntegration,
    PUPLDIAM: c.pupilDiameter,
    NPIX: c.npix,
    FFTPAD: c.padded,
    SRC_R: src.offsetR,
    SRC_T: src.offsetTheta,
    BLAS: `${b.vendor} ${b.version}${b.kernel ? ` ${b.kernel}` : ''}`.trim(),
    FFTWVER: fftwInfo().version,
    PARALLEL: plan.mode === 'none' ? 'none, 1 worker' : `${plan.mode}${plan.mode === 'processes' ? `/${plan.startMethod}` : ''}, ${plan.workers} workers`,
    PRECISION: run.precision,
    CALCTIME: run.totalSeconds,
    ORIGIN: `airy ${version}`,
  });
}
