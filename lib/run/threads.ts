/** Serial and threads modes: the batch on one or several native lanes of this process. */
import type { RunContext, WaveResult } from './index';

/**
 * One results block kept for the next call of the same size: a fresh block
 * faults its pages in on every call, which costs as much as a small PSF on
 * some virtual machines. Taken while a call runs (concurrent calls never
 * share it); `consume` reads it and keeps nothing, as with the pool's
 * results file. Blocks above SPARE_BYTES are not kept.
 */
let spare: Float64Array | undefined;
const SPARE_BYTES = 64 * 2 ** 20;

function takeBlock(length: number): Float64Array {
  const b = spare?.length === length ? spare : new Float64Array(length);
  if (b === spare) spare = undefined;
  return b;
}

function returnBlock(b: Float64Array): void {
  if (b.byteLength <= SPARE_BYTES) spare = b;
}

async function inProcess<T>(ctx: RunContext<T>, lanes: number, fftThreads: number): Promise<WaveResult<T>> {
  const { job } = ctx;
  // Every wavelength writes all its pixels, so a reused block needs no clearing.
  const block = takeBlock(job.waves.length * job.pixels);
  try {
    return await computeInto(ctx, block, lanes, fftThreads);
  } finally {
    returnBlock(block);
  }
}

async function computeInto<T>(ctx: RunContext<T>, block: Float64Array, lanes: number, fftThreads: number): Promise<WaveResult<T>> {
  const { job } = ctx;
  const t = await job.handle.computeWaves(job.waves, block, {
    ...job.run,
    fftThreads,
    lanes,
    capture: job.capture,
    cancel: ctx.cancel,
    onProgress: ctx.report,
  });
  return { value: job.consume(block), kernelSeconds: t.kernelSeconds, nativeSeconds: t.totalSeconds, planes: t.planes };
}

/** One lane; FFTs on `run.fftThreads` threads, BLAS as configured. */
export function runSerial<T>(ctx: RunContext<T>): Promise<WaveResult<T>> {
  return inProcess(ctx, 1, ctx.job.run.fftThreads ?? 1);
}

/** `plan.workers` lanes sharing the system's arrays, each with single-threaded kernels. */
export function runThreads<T>(ctx: RunContext<T>): Promise<WaveResult<T>> {
  return inProcess(ctx, ctx.plan.workers, 1);
}
