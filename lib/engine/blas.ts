/**
 * What BLAS airy is really linked to, found by probing the loaded library's
 * symbols at run time (never from build flags), plus thread control and a
 * check for OpenBLAS kernels that waste the CPU.
 */
import { type NativeBlasInfo, native } from '../binding';
import { integer } from '../validate';

/** BLAS library vendors airy recognises. */
export type BlasVendor = 'openblas' | 'mkl' | 'blis' | 'atlas' | 'flexiblas' | 'accelerate' | 'reference' | 'unknown';

/** The BLAS library in use, as found at run time. */
export interface BlasInfo extends Omit<NativeBlasInfo, 'vendor' | 'config'> {
  /** Vendor, from the symbols the library exports. */
  vendor: BlasVendor;
  /** Problems worth acting on, each with its remedy. */
  warnings: string[];
}

/** What the CPU reports about itself (CPUID). */
export interface CpuInfo {
  vendor: string;
  model: string;
  /** Instruction-set features, e.g. `avx2`, `fma`, `avx512f`. */
  features: string[];
}

/** The CPU's own report (CPUID), independent of any library. */
export function cpuInfo(): CpuInfo {
  return native().cpuInfo();
}

// ISA level an OpenBLAS kernel is written for: 0 = SSE-era, 1 = AVX,
// 2 = AVX2/FMA, 3 = AVX-512. Names as `openblas_get_corename` returns them.
const KERNEL_LEVEL: Record<string, number> = {
  katmai: 0,
  coppermine: 0,
  northwood: 0,
  prescott: 0,
  banias: 0,
  core2: 0,
  penryn: 0,
  dunnington: 0,
  nehalem: 0,
  atom: 0,
  opteron: 0,
  opteron_sse3: 0,
  barcelona: 0,
  bobcat: 0,
  nano: 0,
  athlon: 0,
  sandybridge: 1,
  bulldozer: 1,
  piledriver: 1,
  haswell: 2,
  zen: 2,
  steamroller: 2,
  excavator: 2,
  skylakex: 3,
  cooperlake: 3,
  sapphirerapids: 3,
};
const LEVEL_NAME = ['SSE', 'AVX', 'AVX2/FMA', 'AVX-512'];

/** The highest ISA level (as in KERNEL_LEVEL) the CPU's features support. */
export function cpuLevel(features: readonly string[]): number {
  const f = new Set(features);
  if (['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((x) => f.has(x))) return 3;
  if (f.has('avx2') && f.has('fma')) return 2;
  if (f.has('avx')) return 1;
  return 0;
}

/** The OpenBLAS core type that best fits these CPU features. */
export function suggestedCoretype(cpu: Pick<CpuInfo, 'vendor' | 'features'>): string {
  const level = cpuLevel(cpu.features);
  if (level === 3) return cpu.features.includes('avx512_bf16') ? 'Cooperlake' : 'SkylakeX';
  if (level === 2) return cpu.vendor === 'AuthenticAMD' ? 'Zen' : 'Haswell';
  if (level === 1) return 'Sandybridge';
  return 'Prescott';
}

/**
 * Warnings about the BLAS set-up, from facts alone (pure, so tests can inject
 * any kernel name and CPU): an OpenBLAS kernel written for an older ISA than
 * the CPU supports (DYNAMIC_ARCH builds fall back to a generic kernel on CPUs
 * they do not know, which can cost 5x in GEMM), and unoptimised libraries.
 */
export function blasWarnings(facts: {
  vendor: string;
  kernel: string;
  cpu: Pick<CpuInfo, 'vendor' | 'features'>;
  /** Core type the user forced through the environment, if any. */
  forcedCoretype?: string;
}): string[] {
  const warnings: string[] = [];
  if (facts.vendor === 'openblas' && facts.kernel) {
    const kernelLevel = KERNEL_LEVEL[facts.kernel.toLowerCase()];
    const have = cpuLevel(facts.cpu.features);
    if (kernelLevel !== undefined && kernelLevel < have) {
      const suggestion = suggestedCoretype(facts.cpu);
      const forced = facts.forcedCoretype;
      const impact = have - kernelLevel >= 2 ? 'complex GEMM can run several times (up to ~5x) slower' : 'GEMM may run slower';
      warnings.push(
        `OpenBLAS is using its '${facts.kernel}' kernel (${LEVEL_NAME[kernelLevel]}) on a CPU with ${LEVEL_NAME[have]}: ` +
          `${impact} than with the right kernel. ` +
          (forced
            ? `OPENBLAS_CORETYPE=${forced} is set in the environment; if that was not deliberate, try OPENBLAS_CORETYPE=${suggestion}.`
            : `Remedy: run with OPENBLAS_CORETYPE=${suggestion} set for the command (e.g. OPENBLAS_CORETYPE=${suggestion} node app.js), ` +
              'or use a newer OpenBLAS that knows this CPU; compare with `npm run bench:kernels`.'),
      );
    }
  }
  if (facts.vendor === 'reference') {
    warnings.push(
      'The reference (Netlib) BLAS is unoptimised: matrix Fourier transforms run an order of magnitude slower. ' +
        'Remedy: install OpenBLAS (apt-get install libopenblas0) or rebuild with AIRY_BLAS=openblas.',
    );
  }
  if (facts.vendor === 'atlas') {
    warnings.push(
      'ATLAS as packaged by distributions is built for a generic CPU and is usually several times slower than OpenBLAS. ' +
        'Remedy: install OpenBLAS or rebuild with AIRY_BLAS=openblas.',
    );
  }
  if (facts.vendor === 'unknown') warnings.push('The BLAS library could not be identified; thread control is unavailable.');
  return warnings;
}

/** Describes the BLAS library actually linked into this process. */
export function blasInfo(): BlasInfo {
  const n = native();
  const b = n.blasInfo();
  const cpu = n.cpuInfo();
  return {
    vendor: b.vendor as BlasVendor,
    version: b.version,
    library: b.library,
    threading: b.threading,
    threads: b.threads,
    threadsSettable: b.threadsSettable,
    kernel: b.kernel,
    bundled: b.bundled,
    threadsStarted: b.threadsStarted,
    warnings: blasWarnings({ vendor: b.vendor, kernel: b.kernel, cpu, forcedCoretype: process.env.OPENBLAS_CORETYPE || undefined }),
  };
}

/** Sets the BLAS thread count. Throws if the library does not allow it. */
export function setBlasThreads(threads: number): void {
  integer('threads', threads, 1, 1024);
  if (!native().blasSetThreads(threads)) {
    const b = native().blasInfo();
    throw new RangeError(
      `threads: the ${b.vendor} BLAS (${b.threading}) does not allow setting its thread count to ${threads} at run time` +
        (b.vendor === 'blis' ? '; set BLIS_NUM_THREADS before starting the process' : ''),
    );
  }
}

/** Current BLAS thread count (-1 if the library cannot tell). */
export function getBlasThreads(): number {
  return native().blasInfo().threads;
}
