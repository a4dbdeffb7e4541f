/**
 * The typed contract of the native addon, and its loader. Everything in lib/
 * talks to C++ through this interface only.
 */
import * as path from 'node:path';

/** A float array of either precision; Float32Array selects single precision. */
export type FloatArray = Float64Array | Float32Array;

export interface NativeBlasInfo {
  vendor: string;
  version: string;
  library: string;
  threading: string;
  threads: number;
  threadsSettable: boolean;
  kernel: string;
  config: string;
  threadsStarted: boolean;
}

export interface NativeCpuInfo {
  vendor: string;
  model: string;
  features: string[];
}

export interface NativeFftwInfo {
  version: string;
  threadsAvailable: boolean;
  cachedPlans: number;
  plansCreated: number;
  plansSinceWisdomSave: number;
  threadsStarted: boolean;
}

export interface Binding {
  fft2(data: FloatArray, ny: number, nx: number, inverse: boolean, threads: number, effort: number, out?: FloatArray): Promise<FloatArray>;
  fft2Sync(data: FloatArray, ny: number, nx: number, inverse: boolean, threads: number, effort: number, out?: FloatArray): FloatArray;
  mft(data: FloatArray, ny: number, nx: number, real: boolean, npixY: number, npixX: number, nlamDY: number, nlamDX: number,
    centering: number, offsetY: number, offsetX: number, inverse: boolean, out?: FloatArray): Promise<FloatArray>;
  mftSync(data: FloatArray, ny: number, nx: number, real: boolean, npixY: number, npixX: number, nlamDY: number, nlamDX: number,
    centering: number, offsetY: number, offsetX: number, inverse: boolean, out?: FloatArray): FloatArray;
  blasInfo(): NativeBlasInfo;
  blasSetThreads(n: number): boolean;
  cpuInfo(): NativeCpuInfo;
  fftwInfo(): NativeFftwInfo;
  fftwExportWisdom(): string;
  fftwImportWisdom(text: string): boolean;
  fftwMarkWisdomSaved(): void;
  fftwForget(): void;
  fftwPlan(ny: number, nx: number, inverse: boolean, threads: number, effort: number, single: boolean): number;
  fftwHasWisdom(ny: number, nx: number, inverse: boolean, threads: number, effort: number, single: boolean): boolean;
  fftwRawExecute(data: FloatArray, ny: number, nx: number, inverse: boolean, threads: number, effort: number, out: FloatArray, iterations: number): number;
  gemmBench(m: number, n: number, k: number, single: boolean, iterations: number): number;
  mftCacheStats(): { entries: number; bytes: number; hits: number; misses: number };
  mftClearCache(): void;
  mftSetCacheLimit(bytes: number): void;
  cfitsioVersion(): string;
}

let cached: Binding | undefined;

/** Root of the package (where binding.gyp and build/ live). */
export const packageRoot = path.resolve(__dirname, '..');

/**
 * Loads the addon (a prebuild, or build/Release from node-gyp or cmake-js).
 * On failure the error lists what was tried and how to fix it.
 */
export function native(): Binding {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => Binding;
    cached = load(packageRoot);
    return cached;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const hint = /lib(blas|openblas|blis|fftw3|cfitsio)[^ ]*\.so/.exec(msg);
    throw new Error(
      `airy: could not load the native addon: ${msg}\n` +
      'Possible solutions:\n' +
      (hint ? `- a system library is missing (${hint[0]}): run scripts/bootstrap to install it\n` : '') +
      '- build it: npm run build:native (node-gyp) or npx cmake-js rebuild\n' +
      '- install the system libraries: scripts/bootstrap (apt, dnf or brew)\n' +
      '- choose another BLAS: AIRY_BLAS=openblas npm run build:native',
      { cause: err },
    );
  }
}
