/**
 * The typed contract of the native addon, and its loader. Everything in lib/
 * talks to C++ through this interface only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A float array of either precision; Float32Array selects single precision. */
export type FloatArray = Float64Array | Float32Array;

/** What the addon finds out about the BLAS it runs on. */
export interface NativeBlasInfo {
  /** Vendor, from the symbols the library exports. */
  vendor: string;
  /** Version string reported by the library ('' when it does not say). */
  version: string;
  /** Resolved path of the shared library that provides `cblas_zgemm`. */
  library: string;
  /** Threading layer: pthreads, openmp, sequential, gcd, tbb or unknown. */
  threading: string;
  /** Current BLAS thread count (-1 if the library cannot tell). */
  threads: number;
  /** Whether airy can change the thread count at run time. */
  threadsSettable: boolean;
  /** Compute kernel in use (OpenBLAS core name, BLIS arch, FlexiBLAS backend); '' if n/a. */
  kernel: string;
  /** The library's own configuration string (OpenBLAS), '' otherwise. */
  config: string;
  /**
   * Whether the BLAS is linked into the addon itself (the prebuilt binaries
   * bundle OpenBLAS); `library` is then the addon's own path.
   */
  bundled: boolean;
  /** Whether BLAS worker threads exist or have run in this process. */
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

/** FFTW planner effort, by name. */
export type PlannerName = 'estimate' | 'measure' | 'patient';

/** One 2D FFT as FFTW plans it. */
export interface NativeTransform {
  ny: number;
  nx: number;
  inverse?: boolean;
  threads?: number;
  planner?: PlannerName;
  single?: boolean;
}

/** Options of the native mft. */
export interface NativeMftOptions {
  ny: number;
  nx: number;
  real?: boolean;
  npixY: number;
  npixX: number;
  nlamDY: number;
  nlamDX: number;
  centering?: 'ADJUSTABLE' | 'SYMMETRIC' | 'FFTSTYLE';
  offsetY?: number;
  offsetX?: number;
  inverse?: boolean;
}

export interface Binding {
  fft2(data: FloatArray, t: NativeTransform, out?: FloatArray): Promise<FloatArray>;
  fft2Sync(data: FloatArray, t: NativeTransform, out?: FloatArray): FloatArray;
  mft(data: FloatArray, o: NativeMftOptions, out?: FloatArray): Promise<FloatArray>;
  mftSync(data: FloatArray, o: NativeMftOptions, out?: FloatArray): FloatArray;
  blasInfo(): NativeBlasInfo;
  blasSetThreads(n: number): boolean;
  cpuInfo(): NativeCpuInfo;
  fftwInfo(): NativeFftwInfo;
  fftwExportWisdom(): string;
  fftwImportWisdom(text: string): boolean;
  fftwMarkWisdomSaved(): void;
  fftwForget(): void;
  /** Seconds spent planning (0 from the cache). */
  fftwPlan(t: NativeTransform): number;
  fftwHasWisdom(t: NativeTransform): boolean;
  /** Median seconds of one execution of FFTW's own plan on these arrays. */
  fftwRawExecute(data: FloatArray, t: NativeTransform, out: FloatArray, iterations: number): number;
  /** Median seconds of one complex GEMM. */
  gemmBench(o: { m: number; n: number; k: number; single?: boolean; iterations: number }): number;
  mftCacheStats(): { entries: number; bytes: number; hits: number; misses: number };
  mftClearCache(): void;
  cfitsioVersion(): string;
  /**
   * Samples layers on rectangle `rect` of `grid` (or on the window `{ extent }` implies, plane units, < 0 unbounded):
   * amplitude product, OPD sum (absent when no layer has OPD), achromatic phase sum in radians (absent when no layer
   * has one: a vortex), and the rectangle.
   */
  rasterPlane(
    layers: NativeLayer[],
    grid: { ny: number; nx: number; cy: number; cx: number; scale: number },
    rect: { y0: number; x0: number; ny: number; nx: number } | { extent: number },
  ): { amp: Float64Array; cover: Float64Array; opd?: Float64Array; phase?: Float64Array; y0: number; x0: number; ny: number; nx: number };
  /** Maps a shared file (created when `create`; checked to be `inode` when given). */
  shmMap(path: string, bytes: number, create: boolean, inode?: number): ArrayBuffer;
  /**
   * A new shared file in `dir`, mapped. On Linux it is unlinked at once and held by `fd`: other processes map it
   * as `path` (/proc/<pid>/fd/<fd>) and nothing outlives this process. Elsewhere `path` is the file (fd -1).
   */
  shmCreate(dir: string, bytes: number): { buffer: ArrayBuffer; path: string; fd: number; inode: number };
  /** Lets go of a file from shmCreate. */
  shmRelease(fd: number): void;
  /** Anonymous shared memory that forked children write into. */
  sharedBlock(bytes: number): ArrayBuffer;
  fitsRead(path: string, hdu: number): NativeFitsImage;
  /** Per radius (pixels) around (cx, cy): flux inside (pixels weighted by their exact overlap with the disk), Σ f·(x − cx), Σ f·(y − cy). */
  encircledFlux(o: { data: Float64Array; ny: number; nx: number; cy: number; cx: number; radii: Float64Array }): Float64Array;
  fitsWrite(path: string, hdus: NativeFitsImage[]): Promise<void>;
  fitsWriteSync(path: string, hdus: NativeFitsImage[]): void;
  fitsVerify(path: string): { dataOk: number; hduOk: number }[];
  /** `borrow: true` uses the arrays in place (kept alive by the handle) instead of copying them. */
  NativeSystem: new (
    desc: NativeSystemDesc,
    opts?: { borrow?: boolean },
  ) => NativeSystemHandle;
  /** The Gaussian-beam bookkeeping the Fresnel propagation runs (native/fresnel.h). */
  NativeBeam: new (o: {
    radius: number;
    wavelength: number;
    n: number;
    pixel: number;
    rayleighFactor: number;
  }) => NativeBeamHandle;
}

/** A native Gaussian beam: metres throughout. */
export interface NativeBeamHandle {
  /** The array operations that move the beam by dz; pixel: metres per sample after each. */
  propagate(dz: number): { op: 'planeToPlane' | 'waistToSpherical' | 'sphericalToWaist'; dz: number; pixel: number }[];
  /** A thin lens of focal length f here: the radius of the quadratic phase left on the array. */
  lens(f: number): number;
  state(): { z: number; waist: number; waistZ: number; spherical: boolean; pixel: number; focalLength: number };
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
  /** Planes of a cube (written only). */
  nz?: number;
  extname?: string;
  cards: NativeFitsCard[];
}

/** A raster primitive in an optic's local frame (native/raster.h). */
export interface NativePrim {
  kind: 'circle' | 'annulus' | 'rect' | 'polygon' | 'spoke' | 'bar' | 'halfPlane' | 'plane';
  a?: number;
  b?: number;
  c?: number;
  /** Centre in the optic's frame (plane units); default 0. */
  x?: number;
  y?: number;
}

/** One raster layer of an optic, placed by shift (plane units) and rotation (radians, ccw). */
export type NativeLayer = { shiftX: number; shiftY: number; rotation: number } & (
  | { kind: 'shape'; prims: NativePrim[]; invert: boolean; gray?: boolean }
  | { kind: 'scalar'; value: number }
  | { kind: 'zernike'; radius: number; coefficients: number[]; hexagon?: boolean }
  | { kind: 'sine'; frequency: number; amplitude: number; phase: number }
  | {
      kind: 'actuators';
      ny: number;
      nx: number;
      spacing: number;
      sigma: number;
      heights: number[];
      influence?: Float64Array;
      influenceNy?: number;
      influenceNx?: number;
      influenceSampling?: number;
    }
  | { kind: 'thinLens'; radius: number; halfPeakToValley: number }
  | { kind: 'conic'; radius: number; curvature: number; conic: number; factor: number }
  | { kind: 'fqpm'; step: number }
  | { kind: 'bandLimited'; circular: boolean; sigma: number }
  | { kind: 'vortex'; charge: number; designWavelength?: number }
  | { kind: 'segmentOpd'; segments: NativePrim[]; piston: number[]; tip: number[]; tilt: number[] }
  | { kind: 'gaussian'; w: number }
  | { kind: 'array'; ny: number; nx: number; pixelscale: number; amp?: Float64Array; opd?: Float64Array }
);

/** A rasterised pupil plane: values on a window of the plane's grid, `outside` elsewhere. */
export interface NativeMask {
  y0: number;
  x0: number;
  ny: number;
  nx: number;
  outside: number;
  amp?: Float64Array;
  opd?: Float64Array;
}

/** One step of a compiled system. */
export type NativeStep =
  | { kind: 'pupil'; mask?: NativeMask }
  | { kind: 'image'; layers: NativeLayer[]; extent: number; outside: number; method: 'fft' | 'mft'; sampling?: number; model?: 'analytic' | 'sampled' }
  | {
      kind: 'detector';
      npixY: number;
      npixX: number;
      pixelscale: number;
      offsetY?: number;
      offsetX?: number;
      /** Quadrature over each pixel: nodes (offsets from its centre, pixels) and weights summing to 1. */
      pixelOrder?: number;
      pixelNodes?: Float64Array;
      pixelWeights?: Float64Array;
    };

/** Description a NativeSystem is built from. */
export interface NativeSystemDesc {
  npix: number;
  padded: number;
  pupilScale: number;
  steps: NativeStep[];
  /** The entrance pupil's energy for 'first' (default: the samples' sum of squares). */
  pupilEnergy?: number;
}

/** One wavelength of a batch. */
export interface NativeWave {
  wavelength: number;
  tiltX: number;
  tiltY: number;
}

/** How every wavelength of a batch is computed. */
export interface NativeRunOptions {
  normalize: 'none' | 'first' | 'last' | 'exit_pupil';
  planner?: PlannerName;
  fftThreads?: number;
  /** Fields, MFTs and FFTs in float64 (default) or float32. */
  precision?: 'double' | 'single';
}

/** The field after one step (returnIntermediates). */
export interface NativePlane {
  kind: 'pupil' | 'image' | 'detector';
  ny: number;
  nx: number;
  /** Image planes on an MFT box: arcsec per sample. */
  pixelscale?: number;
  field: Float64Array;
}

/** Timing of a batch, summed over its wavelengths. */
export interface NativeBatchTiming {
  kernelSeconds: number;
  totalSeconds: number;
  /** With capture: the field after each step, per wavelength. */
  planes?: NativePlane[][];
}

/** A compiled optical system held by the addon. */
export interface NativeSystemHandle {
  /**
   * Computes every wave on `lanes` threads, PSF i at i·pixels of `out`. A
   * lane stops before its next wavelength once `cancel[0]` is set. A failure
   * rejects with the error's `code` and `wavelengthIndex`.
   */
  computeWaves(
    waves: NativeWave[],
    out: Float64Array,
    opts: NativeRunOptions & {
      lanes?: number;
      capture?: boolean;
      cancel?: Int32Array;
      onProgress?: (i: number) => void;
      /** Only these wavelengths (default all); PSF i still goes to i·pixels. */
      indices?: number[];
    },
  ): Promise<NativeBatchTiming>;
  /** The same batch in `workers` forked children, written straight into `out` (a view of a sharedBlock). */
  forkWaves(
    waves: NativeWave[],
    out: Float64Array,
    opts: NativeRunOptions & {
      workers: number;
      onProgress?: (i: number) => void;
      onChild?: (pid: number) => void;
    },
  ): Promise<NativeBatchTiming>;
  /** Frees scratch buffers and cached image-plane masks (rebuilt on demand). */
  dropScratch(): void;
}

let cached: Binding | undefined;

/** Root of the package (where binding.gyp and build/ live). */
export const packageRoot = path.resolve(__dirname, '..');

// The install-package table is the build probe's (scripts/probe.js): one table
// for build-time and load-time advice. Keys: the library a loader error names.
const PROBE_KEY: Record<string, string> = { fftw3: 'fftw', cfitsio: 'cfitsio', openblas: 'openblas', blis: 'blis', blas: 'openblas' };
function packagesFor(lib: string): { apt: string; dnf: string; brew: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PACKAGES } = require(path.join(packageRoot, 'scripts', 'probe.js')) as { PACKAGES: Record<string, { apt: string; dnf: string; brew: string }> };
  return PACKAGES[PROBE_KEY[lib]!]!;
}

/**
 * For a loader error naming a missing shared library, the command that
 * installs it on this platform (apt, dnf or brew), or undefined.
 */
export function missingLibraryHelp(message: string, platform: { os: string; manager: 'apt' | 'dnf' | 'brew' | 'none' }): string | undefined {
  const m = /lib(fftw3|cfitsio|openblas|blis|blas)[^\s:]*\.(?:so|dylib)[^\s:]*/.exec(message);
  if (!m) return undefined;
  const pkg = packagesFor(m[1]!);
  switch (platform.manager) {
    case 'apt':
      return `${m[0]} is missing: sudo apt-get install -y ${pkg.apt}`;
    case 'dnf':
      return `${m[0]} is missing: sudo dnf install -y ${pkg.dnf}`;
    case 'brew':
      return `${m[0]} is missing: brew install ${pkg.brew}`;
    default:
      return `${m[0]} is missing: install ${pkg.apt} (Debian/Ubuntu), ${pkg.dnf} (Fedora) or ${pkg.brew} (Homebrew)`;
  }
}

function packageManager(): 'apt' | 'dnf' | 'brew' | 'none' {
  const has = (p: string) => fs.existsSync(p);
  if (process.platform === 'darwin') return 'brew';
  if (has('/usr/bin/apt-get')) return 'apt';
  if (has('/usr/bin/dnf')) return 'dnf';
  return 'none';
}

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
