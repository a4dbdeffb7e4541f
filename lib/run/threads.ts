/** Serial and threads modes: the batch on one or several native lanes of this process. */
import type { RunContext, WaveResult } from './index';

async function inProcess<T>(ctx: RunContext<T>, lanes: number, fftThreads: number): Promise<WaveResult<T>> {
  const { job } = ctx;
  const block = new Float64Array(job.waves.length * job.pixels);
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
