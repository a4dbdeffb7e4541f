/**
 * The parallel safety policy and the facts it is applied to.
 *
 * The policy is one pure function over detected facts, applied before any
 * work starts. It refuses set-ups known to crash (fork with Apple Accelerate;
 * fork once FFTW or BLAS threads have run in this process) and refuses to
 * oversubscribe the cores unless asked.
 */
import * as os from 'node:os';
import { blasInfo } from '../engine/blas';
import type { ParallelMode, StartMethod } from '../config';
import { UnsafeParallelismError } from '../errors';
import { fftwInfo } from '../engine/fftw';
import { integer, oneOf, show } from '../validate';

/** What the safety policy decides on. */
export interface ParallelFacts {
  /** `process.platform`. */
  platform: string;
  /** BLAS vendor from `blasInfo()`. */
  blasVendor: string;
  /** BLAS threading from `blasInfo()` ('pthreads', 'openmp', 'gcd', ...). */
  blasThreading: string;
  /** FFTW ran a plan with more than one thread in this process. */
  fftwThreadsStarted: boolean;
  /** The BLAS ran a GEMM with more than one thread in this process. */
  blasThreadsStarted: boolean;
  /** Parallel mode about to be used (not 'auto': resolve it first). */
  mode: Exclude<ParallelMode, 'auto'>;
  /** Start method of worker processes. */
  startMethod: StartMethod;
  /** Worker processes or threads. */
  workers: number;
  /** Threads each worker's kernels use (FFTW and BLAS; the larger). */
  kernelThreads: number;
  /** Logical cores available. */
  cores: number;
  /** The caller accepts more busy threads than cores. */
  allowOversubscribe?: boolean;
}

/** What the policy says when it does not refuse. */
export interface SafetyVerdict {
  ok: true;
  /** Busy threads the set-up will run (workers × kernel threads). */
  busyThreads: number;
}

/**
 * Applies the safety policy to `facts`. Returns the verdict, or throws
 * {@link UnsafeParallelismError} with a `code`, the reason and the safe
 * alternative:
 * - `ERR_AIRY_FORK_UNSUPPORTED`: fork on a platform without POSIX fork.
 * - `ERR_AIRY_FORK_ACCELERATE`: fork with Apple Accelerate (Grand Central
 *   Dispatch is not fork-safe; POPPY's multiprocessing crash).
 * - `ERR_AIRY_FORK_AFTER_FFTW_THREADS`: fork after multi-threaded FFTs ran here.
 * - `ERR_AIRY_FORK_AFTER_BLAS_THREADS`: fork after BLAS threads ran here.
 * - `ERR_AIRY_OVERSUBSCRIBED`: workers × kernel threads > cores.
 */
export function checkParallelSafety(facts: ParallelFacts): SafetyVerdict {
  if (facts === null || typeof facts !== 'object') throw new TypeError(`facts must be an object, got ${show(facts)}`);
  const mode = oneOf('facts.mode', facts.mode, ['none', 'processes', 'threads'] as const);
  const workers = integer('facts.workers', facts.workers, 1);
  const kernelThreads = integer('facts.kernelThreads', facts.kernelThreads, 1);
  const cores = integer('facts.cores', facts.cores, 1);
  if (mode === 'processes' && facts.startMethod === 'fork') {
    if (facts.platform === 'win32') {
      throw new UnsafeParallelismError(
        'startMethod "fork" needs POSIX fork, which Windows does not have.',
        'ERR_AIRY_FORK_UNSUPPORTED',
        "startMethod: 'spawn', or parallel: 'threads'",
      );
    }
    if (facts.blasVendor === 'accelerate' || facts.blasThreading === 'gcd') {
      throw new UnsafeParallelismError(
        'Refusing to fork: Apple Accelerate runs on Grand Central Dispatch, which is not fork-safe; a forked child that calls BLAS can crash or hang.',
        'ERR_AIRY_FORK_ACCELERATE',
        "startMethod: 'spawn' (fresh processes), or parallel: 'threads', or a build against OpenBLAS (AIRY_BLAS=openblas)",
      );
    }
    if (facts.fftwThreadsStarted) {
      throw new UnsafeParallelismError(
        'Refusing to fork: multi-threaded FFTs have already run in this process, and a forked child inherits a thread pool whose threads do not exist in it.',
        'ERR_AIRY_FORK_AFTER_FFTW_THREADS',
        "startMethod: 'spawn', or keep fftThreads: 1 in processes that fork",
      );
    }
    if (facts.blasThreadsStarted) {
      throw new UnsafeParallelismError(
        `Refusing to fork: ${facts.blasVendor} BLAS threads (${facts.blasThreading}) have already run in this process; a forked child can hang in the BLAS thread pool.`,
        'ERR_AIRY_FORK_AFTER_BLAS_THREADS',
        "startMethod: 'spawn', or start processes that fork with the BLAS at one thread (OPENBLAS_NUM_THREADS=1 or OMP_NUM_THREADS=1 in the environment; OpenBLAS starts its thread pool when it loads)",
      );
    }
  }
  const busyThreads = (mode === 'none' ? 1 : workers) * kernelThreads;
  if (busyThreads > cores && !facts.allowOversubscribe) {
    const fit = Math.max(1, Math.floor(cores / kernelThreads));
    throw new UnsafeParallelismError(
      `${mode === 'none' ? 1 : workers} worker(s) × ${kernelThreads} kernel thread(s) = ${busyThreads} busy threads on ${cores} cores would oversubscribe the machine.`,
      'ERR_AIRY_OVERSUBSCRIBED',
      `nProcesses: ${fit} with single-threaded kernels, or allowOversubscribe: true`,
    );
  }
  return { ok: true, busyThreads };
}

/** Facts about this process and machine, for {@link checkParallelSafety}. */
export function detectFacts(plan: Pick<ParallelFacts, 'mode' | 'startMethod' | 'workers' | 'kernelThreads'> & { allowOversubscribe?: boolean }): ParallelFacts {
  const b = blasInfo();
  const f = fftwInfo();
  return {
    platform: process.platform,
    blasVendor: b.vendor,
    blasThreading: b.threading,
    fftwThreadsStarted: f.threadsStarted,
    blasThreadsStarted: b.threadsStarted,
    cores: os.availableParallelism(),
    ...plan,
  };
}
