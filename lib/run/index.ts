/**
 * Running a batch of wavelengths: one runner per parallel mode (serial,
 * threads, fork, spawn), all computing through the same native batch. What
 * every mode shares is written once here: abort, progress, error mapping,
 * timing, BLAS threads and FFTW wisdom around the run.
 */
import type { AbortSignalLike } from '../signal';
import type { NativePlane, NativeRunOptions, NativeSystemHandle, NativeWave } from '../binding';
import { getBlasThreads, setBlasThreads } from '../engine/blas';
import { afterTransform, beforeTransform } from '../engine/fftw';
import { applyBlasThreads } from '../engine/kernels';
import { AiryError, rethrowNative } from '../errors';
import { runFork } from './fork';
import type { ParallelPlan } from './plan';
import type { SharedSystem } from './pool';
import { runSerial, runThreads } from './threads';
import { runSpawn } from './spawn';

/** A batch of wavelengths of one compiled system. */
export interface WaveJob<T> {
  handle: NativeSystemHandle;
  /** The system as worker processes load it (made on first use). */
  shared: () => SharedSystem;
  waves: NativeWave[];
  /** Detector pixels of one PSF. */
  pixels: number;
  run: NativeRunOptions;
  /** Keep the field at every plane (serial and threads only). */
  capture: boolean;
  signal?: AbortSignalLike;
  /** Called after wavelength i; may throw, which fails the call. */
  onWave: (i: number) => void;
  /** Reads the PSFs (wavelength i at i·pixels of `block`) while they are valid. */
  consume: (block: Float64Array) => T;
}

/** What a run gives back. */
export interface WaveResult<T> {
  value: T;
  kernelSeconds: number;
  /** Native seconds in all (kernels and the rest). */
  nativeSeconds: number;
  planes?: NativePlane[][];
  /** Peak resident memory of a worker process (spawn). */
  workerPeakRssBytes?: number;
}

/** What a runner is handed: the job, the plan, and the shared controls. */
export interface RunContext<T> {
  job: WaveJob<T>;
  plan: ParallelPlan;
  /** Nonzero: native lanes stop before their next wavelength. */
  cancel: Int32Array;
  /** Reports wavelength i (never throws; a throwing callback stops the run). */
  report: (i: number) => void;
  /** Called once when the run must stop (abort, or a failed progress callback). */
  onStop: (f: () => void) => void;
}

export type Runner = <T>(ctx: RunContext<T>) => Promise<WaveResult<T>>;

function runnerFor(plan: ParallelPlan): Runner {
  if (plan.mode === 'none') return runSerial;
  if (plan.mode === 'threads') return runThreads;
  return plan.startMethod === 'fork' ? runFork : runSpawn;
}

const abortError = (signal: AbortSignalLike) => new AiryError('calcPsf was aborted', 'ABORT_ERR', { cause: signal.reason });

/** The error a failed wavelength raises, the same in every mode. */
function waveError(e: unknown, waves: NativeWave[]): never {
  const i = (e as { wavelengthIndex?: unknown })?.wavelengthIndex;
  if (e instanceof AiryError || typeof i !== 'number' || !waves[i]) rethrowNative(e);
  const err = e as Error & { code?: string };
  const what = err.code === 'ERR_AIRY_NONFINITE' ? "the propagation produced NaN or Infinity (check the optics' values)" : err.message;
  const wrapped = new AiryError(`wavelength ${waves[i].wavelength} m (index ${i}): ${what}`, err.code ?? 'ERR_AIRY_NATIVE', { cause: e });
  (wrapped as AiryError & { wavelengthIndex?: number }).wavelengthIndex = i;
  throw wrapped;
}

/** Runs `job` in the mode `plan` chose. */
export async function runWaves<T>(job: WaveJob<T>, plan: ParallelPlan): Promise<WaveResult<T>> {
  if (job.signal?.aborted) throw abortError(job.signal);
  const cancel = new Int32Array(1);
  const stops: (() => void)[] = [];
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    cancel[0] = 1;
    for (const f of stops) f();
  };
  let thrown: { e: unknown } | undefined;
  const report = (i: number) => {
    if (thrown) return;
    try {
      job.onWave(i);
    } catch (e) {
      thrown = { e };
      stop();
    }
  };
  const onAbort = () => stop();
  job.signal?.addEventListener('abort', onAbort, { once: true });
  // In-process lanes run single-threaded kernels; serial keeps the configured BLAS threads.
  const restore = plan.mode === 'threads' ? getBlasThreads() : 0;
  if (plan.mode === 'threads') setBlasThreads(1);
  else if (plan.mode === 'none') applyBlasThreads();
  beforeTransform();
  try {
    const r = await runnerFor(plan)({ job, plan, cancel, report, onStop: (f) => stops.push(f) });
    if (thrown) throw thrown.e;
    if (job.signal?.aborted) throw abortError(job.signal);
    afterTransform();
    return r;
  } catch (e) {
    if (thrown) throw thrown.e;
    if (job.signal?.aborted) throw abortError(job.signal);
    return waveError(e, job.waves);
  } finally {
    job.signal?.removeEventListener('abort', onAbort);
    if (restore > 0) setBlasThreads(restore);
  }
}
