/**
 * The typed contract of the native addon, and its loader. Everything in lib/
 * talks to C++ through this interface only.
 */
import * as fs from 'node:fs';
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
  rasterShape(shape: { prims: { kind: number; a: number; b?: number; c?: number }[]; shiftX: number; shiftY: number; rotation: number; invert: boolean },
    cy: number, cx: number, scale: number, y0: number, x0: number, ny: number, nx: number, amp: Float64Array): void;
  shmMap(path: string, bytes: number, create: boolean): ArrayBuffer;
  fitsRead(path: string, hdu: number): NativeFitsImage;
  fitsWrite(path: string, hdus: NativeFitsImage[]): void;
  fitsVerify(path: string): { dataOk: number; hduOk: number }[];
  /** `borrow: true` uses the mask arrays in place (kept alive by the handle) instead of copying them. */
  NativeSystem: new (desc: NativeSystemDesc, opts?: { borrow?: boolean }) => NativeSystemHandle;
}

/** A FITS header card as it crosses the boundary. */
export interface NativeFitsCard {
  key: string;
  value: number | string | boolean;
  comment?: string;
}

/** A 2D FITS image HDU as it crosses the boundary. */
export interface NativeFitsImage {
  data: Float64Array;
  ny: number;
  nx: number;
  extname?: string;
  cards: NativeFitsCard[];
}

/** A window of a plane: values on a rectangle, a constant outside. */
export interface NativeWindow {
  y0: number;
  x0: number;
  ny: number;
  nx: number;
  outsideRe: number;
  outsideIm: number;
}

/** One step of a compiled system (kind 0 pupil, 1 image, 2 detector). */
export interface NativeStep {
  kind: 0 | 1 | 2;
  mask?: NativeWindow & { amp?: Float64Array; opd?: Float64Array };
  npixY?: number;
  npixX?: number;
  pixelscale?: number;
}

/** Description a NativeSystem is built from. */
export interface NativeSystemDesc {
  npix: number;
  padded: number;
  pupilScale: number;
  normalize: 0 | 1 | 2 | 3;
  steps: NativeStep[];
}

/** Timing of one native propagation. */
export interface NativeTiming {
  kernelSeconds: number;
  totalSeconds: number;
  /** With capture: the field after each step (kind 0 pupil, 1 image, 2 detector). */
  planes?: { kind: 0 | 1 | 2; ny: number; nx: number; field: Float64Array }[];
}

/** A compiled optical system held by the addon. */
export interface NativeSystemHandle {
  propagate(wavelength: number, tiltX: number, tiltY: number, imageMasks: (NativeWindow & { data?: Float64Array })[],
    fftThreads: number, effort: number, out: Float64Array, capture?: boolean): Promise<NativeTiming>;
  propagateSync(wavelength: number, tiltX: number, tiltY: number, imageMasks: (NativeWindow & { data?: Float64Array })[],
    fftThreads: number, effort: number, out: Float64Array, capture?: boolean): NativeTiming;
  forkCompute(waves: { wavelength: number; tiltX: number; tiltY: number; imageMasks: (NativeWindow & { data?: Float64Array })[] }[],
    workers: number, effort: number, onProgress?: (v: number) => void): Promise<Float64Array>;
  /**
   * Every wavelength on `workers` native threads, PSF i written at i·pixels of
   * `out`; a thread stops before its next wavelength once `cancel[0]` is set.
   * A failure rejects with the error's `code` and `wavelengthIndex`.
   */
  threadsCompute(waves: { wavelength: number; tiltX: number; tiltY: number; imageMasks: (NativeWindow & { data?: Float64Array })[] }[],
    workers: number, effort: number, out: Float64Array, cancel: Int32Array, onProgress?: (i: number) => void): Promise<{ kernelSeconds: number; totalSeconds: number }>;
  dropScratch(): void;
}

let cached: Binding | undefined;

/** Root of the package (where binding.gyp and build/ live). */
export const packageRoot = path.resolve(__dirname, '..');

/**
 * Loads the addon (a prebuild, or build/Release from node-gyp or cmake-js).
 * On failure the error lists what was tried and how to fix it.
 */
const PACKAGES: Record<string, { apt: string; dnf: string; brew: string }> = {
  fftw3: { apt: 'libfftw3-dev', dnf: 'fftw-devel', brew: 'fftw' },
  cfitsio: { apt: 'libcfitsio-dev', dnf: 'cfitsio-devel', brew: 'cfitsio' },
  openblas: { apt: 'libopenblas-dev', dnf: 'openblas-devel', brew: 'openblas' },
  blis: { apt: 'libblis-dev', dnf: 'blis-devel', brew: 'blis' },
  blas: { apt: 'libopenblas-dev', dnf: 'flexiblas-devel', brew: 'openblas' },
};

/**
 * For a loader error naming a missing shared library, the command that
 * installs it on this platform (apt, dnf or brew), or undefined.
 */
export function missingLibraryHelp(message: string, platform: { os: string; manager: 'apt' | 'dnf' | 'brew' | 'none' }): string | undefined {
  const m = /lib(fftw3|cfitsio|openblas|blis|blas)[^\s:]*\.(?:so|dylib)[^\s:]*/.exec(message);
  if (!m) return undefined;
  const pkg = PACKAGES[m[1]!]!;
  switch (platform.manager) {
    case 'apt': return `${m[0]} is missing: sudo apt-get install -y ${pkg.apt}`;
    case 'dnf': return `${m[0]} is missing: sudo dnf install -y ${pkg.dnf}`;
    case 'brew': return `${m[0]} is missing: brew install ${pkg.brew}`;
    default: return `${m[0]} is missing: install ${pkg.apt} (Debian/Ubuntu), ${pkg.dnf} (Fedora) or ${pkg.brew} (Homebrew)`;
  }
}

function packageManager(): 'apt' | 'dnf' | 'brew' | 'none' {
  const has = (p: string) => fs.existsSync(p);
  if (process.platform === 'darwin') return 'brew';
  if (has('/usr/bin/apt-get')) return 'apt';
  if (has('/usr/bin/dnf')) return 'dnf';
  return 'none';
}

export function native(): Binding {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => Binding;
    cached = load(packageRoot);
    return cached;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const hint = missingLibraryHelp(msg, { os: process.platform, manager: packageManager() });
    throw new Error(
      `airy: could not load the native addon: ${msg}\n` +
      'Possible solutions:\n' +
      (hint ? `- ${hint} (or run scripts/bootstrap)\n` : '') +
      '- build it: npm run build:native (node-gyp) or npx cmake-js rebuild\n' +
      '- install the system libraries: scripts/bootstrap (apt, dnf or brew)\n' +
      '- choose another BLAS: AIRY_BLAS=openblas npm run build:native',
      { cause: err },
    );
  }
}
