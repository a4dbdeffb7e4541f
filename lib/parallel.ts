/**
 * Parallel wavelengths: the safety policy, the facts it is applied to, and
 * the memory-aware worker count.
 *
 * The policy is one pure function over detected facts, applied before any
 * work starts. It refuses set-ups known to crash (fork with Apple Accelerate;
 * fork once FFTW or BLAS threads have run in this process) and refuses to
 * oversubscribe the cores unless asked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { native } from './binding';
import { blasInfo } from './blas';
import type { ParallelMode, StartMethod } from './config';
import { UnsafeParallelismError } from './errors';
import { fftwInfo } from './fftw';
import { measuredWorkerBaseline } from './pool';
import { integer, oneOf, show } from './validate';

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
      throw new UnsafeParallelismError('startMethod "fork" needs POSIX fork, which Windows does not have.', 'ERR_AIRY_FORK_UNSUPPORTED', "startMethod: 'spawn', or parallel: 'threads'");
    }
    if (facts.blasVendor === 'accelerate' || facts.blasThreading === 'gcd') {
      throw new UnsafeParallelismError(
        'Refusing to fork: Apple Accelerate runs on Grand Central Dispatch, which is not fork-safe; a forked child that calls BLAS can crash or hang.',
        'ERR_AIRY_FORK_ACCELERATE', "startMethod: 'spawn' (fresh processes), or parallel: 'threads', or a build against OpenBLAS (AIRY_BLAS=openblas)");
    }
    if (facts.fftwThreadsStarted) {
      throw new UnsafeParallelismError(
        'Refusing to fork: multi-threaded FFTs have already run in this process, and a forked child inherits a thread pool whose threads do not exist in it.',
        'ERR_AIRY_FORK_AFTER_FFTW_THREADS', "startMethod: 'spawn', or keep fftThreads: 1 in processes that fork");
    }
    if (facts.blasThreadsStarted) {
      throw new UnsafeParallelismError(
        `Refusing to fork: ${facts.blasVendor} BLAS threads (${facts.blasThreading}) have already run in this process; a forked child can hang in the BLAS thread pool.`,
        'ERR_AIRY_FORK_AFTER_BLAS_THREADS', "startMethod: 'spawn', or start processes that fork with the BLAS at one thread (OPENBLAS_NUM_THREADS=1 or OMP_NUM_THREADS=1 in the environment; OpenBLAS starts its thread pool when it loads)");
    }
  }
  const busyThreads = (mode === 'none' ? 1 : workers) * kernelThreads;
  if (busyThreads > cores && !facts.allowOversubscribe) {
    const fit = Math.max(1, Math.floor(cores / kernelThreads));
    throw new UnsafeParallelismError(
      `${mode === 'none' ? 1 : workers} worker(s) × ${kernelThreads} kernel thread(s) = ${busyThreads} busy threads on ${cores} cores would oversubscribe the machine.`,
      'ERR_AIRY_OVERSUBSCRIBED', `nProcesses: ${fit} with single-threaded kernels, or allowOversubscribe: true`);
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

/** Bytes of memory this process may still use: MemAvailable, capped by a cgroup limit. */
export function availableMemory(): { bytes: number; source: string } {
  let bytes = os.freemem();
  let source = 'os.freemem';
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) {
      bytes = Number(m[1]) * 1024;
      source = '/proc/meminfo MemAvailable';
    }
  } catch {
    // not Linux
  }
  const cg = cgroupRoom();
  if (cg !== undefined && cg < bytes) {
    bytes = cg;
    source = 'cgroup memory limit';
  }
  return { bytes, source };
}

/** Room left under the cgroup (v2 or v1) memory limit, if there is one. */
function cgroupRoom(): number | undefined {
  const read = (p: string) => {
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  let dir = '';
  const self = read('/proc/self/cgroup');
  if (self) {
    const v2 = self.split('\n').find((l) => l.startsWith('0::'));
    if (v2) dir = v2.slice(3);
  }
  const max = read(`/sys/fs/cgroup${dir}/memory.max`) ?? read('/sys/fs/cgroup/memory.max');
  const cur = read(`/sys/fs/cgroup${dir}/memory.current`) ?? read('/sys/fs/cgroup/memory.current');
  if (max && max !== 'max' && cur) return Math.max(0, Number(max) - Number(cur));
  const v1max = read('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  const v1cur = read('/sys/fs/cgroup/memory/memory.usage_in_bytes');
  if (v1max && v1cur && Number(v1max) < 2 ** 60) return Math.max(0, Number(v1max) - Number(v1cur));
  return undefined;
}

/** The sizes a memory estimate needs (from a compiled system). */
export interface WorkloadShape {
  /** Pupil array size n. */
  npix: number;
  /** FFT array size N (= n when there is no image plane). */
  padded: number;
  /** Detector array size m (oversampled). */
  detector: number;
  /** The system has an image plane (FFT path). */
  fft: boolean;
  /** Largest pupil window fed to the final MFT (n, or the Lyot crop). */
  mftInput: number;
  /** Bytes of the compiled system's plane arrays (copied into each worker process). */
  systemBytes: number;
  /** The entrance pupil has OPD (the direct MFT path then needs a complex field). */
  opd: boolean;
}

/** Memory model of one wavelength's work, bytes, by part. */
export interface MemoryModel {
  /** Padded wavefront buffers (2 complex N² for the FFT path; complex n² when the pupil has OPD). */
  wavefronts: number;
  /** Cached MFT kernels (X and Y) and the intermediate product. */
  mftKernels: number;
  /** FFTW plans' own buffers (twiddles; small) and image-plane masks. */
  fftw: number;
  /** Detector field and intensity outputs. */
  outputs: number;
  /** Total per wavelength. */
  perWavelength: number;
  /** Resident memory of an idle worker process (Node, airy, its libraries). */
  baseline: number;
  /** A worker process: the baseline, the system arrays (shared file pages and the native copy), plus one wavelength. */
  perProcess: number;
}

const C16 = 16;
/**
 * Resident size of an idle worker process when none has been measured yet
 * (Node 20 with airy loaded measured 54 MB; a TypeScript loader adds ~40 MB).
 */
export const PROCESS_BASELINE_BYTES = 60 * 2 ** 20;

/**
 * The explicit memory model of one wavelength of `w`. `baseline` is the
 * resident size of an idle worker (default: measured from the pool's
 * workers once one has started, else {@link PROCESS_BASELINE_BYTES}).
 */
export function memoryModel(w: WorkloadShape, baseline = measuredWorkerBaseline() || PROCESS_BASELINE_BYTES): MemoryModel {
  const N2 = w.padded * w.padded;
  const wavefronts = w.fft ? 2 * N2 * C16 : w.opd ? w.npix * w.npix * C16 : 0;
  const c = w.mftInput;
  const mftKernels = (c * w.detector * 2 + c * w.detector) * C16; // X (c×m), Y (m×c), t (c×m)
  const fftw = w.fft ? w.padded * 64 + 4 * 2 ** 20 : 0;
  const outputs = w.detector * w.detector * (C16 + 8 + 8);
  const perWavelength = wavefronts + mftKernels + fftw + outputs;
  return { wavefronts, mftKernels, fftw, outputs, perWavelength, baseline, perProcess: baseline + 2 * w.systemBytes + perWavelength };
}

/** Options of {@link estimateOptimalNProcesses}. */
export interface EstimateOptions {
  /** Override available memory (bytes), e.g. for planning another machine. */
  availableBytes?: number;
  /** Override the core count. */
  cores?: number;
  /** Fraction of available memory kept free. Default 0.2. */
  headroom?: number;
}

/** Anything that can describe its workload shape (an OpticalSystem does). */
export interface HasWorkloadShape {
  workloadShape(): WorkloadShape;
}

/**
 * How many worker processes to run for `nWavelengths` wavelengths of
 * `osys`: no more than the cores, than the wavelengths, or than fit in the
 * available memory (cgroup limits included) with the headroom kept free,
 * by the explicit model {@link memoryModel}. At least 1.
 */
export function estimateOptimalNProcesses(osys: HasWorkloadShape, nWavelengths: number, opts: EstimateOptions = {}): number {
  const n = integer('nWavelengths', nWavelengths, 1);
  const cores = opts.cores ?? os.availableParallelism();
  const avail = opts.availableBytes ?? availableMemory().bytes;
  const headroom = opts.headroom ?? 0.2;
  const model = memoryModel(osys.workloadShape());
  const fit = Math.floor((avail * (1 - headroom)) / model.perProcess);
  return Math.max(1, Math.min(cores, n, fit));
}

/** Whether this build can fork compute-only children. */
export function forkAvailable(): boolean {
  return process.platform !== 'win32' && typeof native().NativeSystem === 'function';
}
