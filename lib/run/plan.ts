/**
 * Choosing how a call's wavelengths are spread over the machine: the mode,
 * the worker count and the kernel threads per worker, before any work.
 */
import * as os from 'node:os';
import { type ParallelMode, resolve, resolveParallel, type StartMethod } from '../config';
import { getBlasThreads } from '../engine/blas';
import { show } from '../validate';
import { AiryError } from '../errors';
import { availableMemory, estimateOptimalNProcesses, memoryModel, type WorkloadShape } from './memory';
import { checkParallelSafety, detectFacts } from './safety';

/** The mode a call runs in, and why. */
export interface ParallelPlan {
  mode: 'none' | 'processes' | 'threads';
  startMethod: StartMethod;
  workers: number;
  kernelThreads: number;
  reason: string;
}

/** The parallel options of a call. */
export interface ParallelRequest {
  parallel?: ParallelMode;
  useMultiprocessing?: boolean;
  nProcesses?: number;
  startMethod?: StartMethod;
  allowOversubscribe?: boolean;
}

/**
 * Picks the mode and worker count for `nw` wavelengths of `shape`, then
 * applies the safety policy (which throws UnsafeParallelismError on a
 * refused set-up).
 */
export function planParallel(req: ParallelRequest, shape: WorkloadShape, nw: number, fftThreads: number, capture: boolean): ParallelPlan {
  checkOneWavelengthFits(shape);
  const plan = choose(req, shape, nw, fftThreads, capture);
  checkParallelSafety(
    detectFacts({
      mode: plan.mode,
      startMethod: plan.startMethod,
      workers: plan.workers,
      kernelThreads: plan.kernelThreads,
      allowOversubscribe: req.allowOversubscribe,
    }),
  );
  return plan;
}

/**
 * Refuses, before anything is allocated, a system whose single wavelength
 * needs more than the memory there is (the model counts its large arrays
 * only, so it never overstates the need); beyond a limit the kernel would
 * kill the process instead of letting an allocation fail.
 */
function checkOneWavelengthFits(shape: WorkloadShape): void {
  const need = memoryModel(shape).perWavelength;
  const room = availableMemory();
  if (need <= room.bytes) return;
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  throw new AiryError(
    `one wavelength of this system needs at least ${mb(need)} MiB (npix ${shape.npix}, padded ${shape.padded}, detector ${shape.detector}) but ${mb(room.bytes)} MiB are available (${room.source})`,
    'ERR_AIRY_NO_MEMORY',
  );
}

function choose(req: ParallelRequest, shape: WorkloadShape, nw: number, fftThreads: number, capture: boolean): ParallelPlan {
  const requested = resolveParallel(req).mode;
  const startMethod = resolve('startMethod', req.startMethod, 'startMethod');
  const nProc = resolve('nProcesses', req.nProcesses, 'nProcesses');
  const cores = os.availableParallelism();
  const serial = (reason: string): ParallelPlan => ({
    mode: 'none',
    startMethod,
    workers: 1,
    kernelThreads: Math.max(fftThreads, resolve('blasThreads', undefined, 'blasThreads') || getBlasThreads() || 1),
    reason,
  });
  if (requested === 'none') return serial('requested');
  if (requested === 'auto' && nw === 1) return serial('one wavelength');
  if (capture && requested !== 'threads' && requested !== 'auto') {
    throw new RangeError(`returnIntermediates needs parallel 'none' or 'threads' (fields stay in this process), got ${show(requested)}`);
  }
  const fit = estimateOptimalNProcesses({ workloadShape: () => shape }, nw, { cores });
  const workers = nProc > 0 ? Math.min(nProc, nw) : fit;
  if (requested === 'auto') {
    // Threads share the plane arrays and start at once; one worker is serial.
    if (workers <= 1) return serial('auto: memory or cores allow 1 worker');
    return {
      mode: 'threads',
      startMethod,
      workers,
      kernelThreads: 1,
      reason: `auto: ${workers} threads (${cores} cores, ${nw} wavelengths, memory fits ${fit})`,
    };
  }
  return {
    mode: requested,
    startMethod,
    workers: Math.max(1, workers),
    kernelThreads: 1,
    reason: nProc > 0 ? 'nProcesses' : `estimated (${cores} cores, ${nw} wavelengths, memory fits ${fit})`,
  };
}
