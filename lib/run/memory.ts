/**
 * How many wavelengths fit at once: available memory (cgroup limits
 * included) and an explicit model of one wavelength's arrays.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { integer, knownKeys } from '../validate';
import { measuredWorkerBaseline } from './pool';

/** Bytes of memory this process may still use: MemAvailable, capped by a cgroup limit and an address-space limit. */
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
  const as = addressSpaceRoom();
  if (as !== undefined && as < bytes) {
    bytes = as;
    source = 'address-space limit (ulimit -v)';
  }
  return { bytes, source };
}

/**
 * Room left under this process's address-space limit (RLIMIT_AS, `ulimit -v`,
 * `prlimit --as`), if one is set: the soft limit from /proc/self/limits less
 * the address space in use (VmSize in /proc/self/status).
 */
export function addressSpaceRoom(read: FileReader = readText): number | undefined {
  const limit = /^Max address space\s+(\d+)/m.exec(read('/proc/self/limits') ?? '');
  const used = /^VmSize:\s+(\d+) kB/m.exec(read('/proc/self/status') ?? '');
  if (!limit || !used) return undefined; // unlimited, or not Linux
  return Math.max(0, Number(limit[1]) - Number(used[1]) * 1024);
}

/** Reads a file's text, or undefined when it cannot be read. */
export type FileReader = (path: string) => string | undefined;

const readText: FileReader = (p) => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Room left under the memory limits of this process's own cgroup and its
 * ancestors (v2, or v1's memory controller), if any is set: the smallest
 * `limit − usage` from the process's cgroup up to its hierarchy's mount.
 * The process's cgroup comes from /proc/self/cgroup and the mount from
 * /proc/self/mountinfo (whose root field strips a cgroup namespace's prefix).
 */
export function cgroupRoom(read: FileReader = readText): number | undefined {
  const self = read('/proc/self/cgroup');
  const mounts = read('/proc/self/mountinfo');
  if (!self || !mounts) return undefined;
  let room: number | undefined;
  for (const h of cgroupHierarchies(self, mounts)) {
    for (let dir = h.dir; ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
      const limit = Number(read(`${h.mount}${dir}/${h.v2 ? 'memory.max' : 'memory.limit_in_bytes'}`)?.trim());
      const usage = Number(read(`${h.mount}${dir}/${h.v2 ? 'memory.current' : 'memory.usage_in_bytes'}`)?.trim());
      // v2 says 'max' (NaN here) when unlimited; v1 a number near 2^63.
      if (Number.isFinite(limit) && limit < 2 ** 60 && Number.isFinite(usage)) room = Math.min(room ?? Infinity, Math.max(0, limit - usage));
      if (dir === '') break;
    }
  }
  return room;
}

/** The memory hierarchies this process is in: v2's, and v1's memory controller, as mount + path. */
function cgroupHierarchies(self: string, mountinfo: string): { mount: string; dir: string; v2: boolean }[] {
  const out: { mount: string; dir: string; v2: boolean }[] = [];
  for (const line of self.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const v2 = m[1] === '0' && m[2] === '';
    if (!v2 && !m[2]!.split(',').includes('memory')) continue;
    const mount = mountinfo
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => {
        const sep = f.indexOf('-');
        return sep > 0 && (v2 ? f[sep + 1] === 'cgroup2' : f[sep + 1] === 'cgroup' && (f[sep + 3] ?? '').split(',').includes('memory'));
      });
    if (!mount) continue;
    const root = mount[3]!;
    let dir = m[3]!;
    if (root !== '/' && dir.startsWith(root)) dir = dir.slice(root.length);
    out.push({ mount: mount[4]!, dir: dir === '/' ? '' : dir.replace(/\/$/, ''), v2 });
  }
  return out;
}

/** The sizes a memory estimate needs (from a compiled system). */
export interface WorkloadShape {
  /** Pupil array size n. */
  npix: number;
  /** FFT array size N (= n when there is no image plane). */
  padded: number;
  /** Detector array size m (oversampled). */
  detector: number;
  /** The system has an image plane reached by FFT of the padded array. */
  fft: boolean;
  /** Fields stay on the pupil array (some image plane goes by MFT). */
  pupilGrid: boolean;
  /** Some image plane is a vortex by MFT: a (2n)² coarse FFT plane pair and its mask. */
  vortex?: boolean;
  /** Largest pupil window fed to the final MFT (n, or the Lyot crop). */
  mftInput: number;
  /** Bytes of the compiled system's plane arrays (copied into each worker process). */
  systemBytes: number;
  /** The entrance pupil has OPD (the direct MFT path then needs a complex field). */
  opd: boolean;
  /**
   * The largest fixed grid a Fresnel plane applies its optics on by MFTs
   * (samples per side): the field's spectrum in one more complex N² buffer,
   * the grid, and the two transforms' kernels, all double.
   */
  mftGrid?: number;
  /** Fields and kernels in float32 (`precision: 'single'`): complex values take 8 bytes, not 16. */
  single?: boolean;
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

/**
 * Resident size of an idle worker process when none has been measured yet
 * (Node 20 with airy loaded measured 54 MB; a TypeScript loader adds ~40 MB).
 */
export const PROCESS_BASELINE_BYTES = 60 * 2 ** 20;

/** A Fresnel plane's MFT grid: the spectrum (N²), the grid (M²) and the X and Y kernels of both transforms (4·N·M), complex double. */
function mftGridBytes(w: WorkloadShape): number {
  const m = w.mftGrid ?? 0;
  return m > 0 ? (w.padded * w.padded + m * m + 4 * w.padded * m) * 16 : 0;
}

/**
 * The explicit memory model of one wavelength of `w`. `baseline` is the
 * resident size of an idle worker (default: measured from the pool's
 * workers once one has started, else {@link PROCESS_BASELINE_BYTES}).
 */
export function memoryModel(w: WorkloadShape, baseline = measuredWorkerBaseline() || PROCESS_BASELINE_BYTES): MemoryModel {
  const N2 = w.padded * w.padded;
  const n2 = w.npix * w.npix;
  const C = w.single ? 8 : 16; // bytes of one complex value
  const wavefronts =
    (w.fft ? 2 * N2 * C : 0) + (w.pupilGrid ? 2.5 * n2 * C : !w.fft && w.opd ? n2 * C : 0) + (w.vortex ? (2 * C + 16) * 4 * n2 : 0) + mftGridBytes(w);
  const c = w.mftInput;
  const mftKernels = (c * w.detector * 2 + c * w.detector) * C; // X (c×m), Y (m×c), t (c×m)
  const fftw = w.fft ? w.padded * 64 + 4 * 2 ** 20 : 0;
  const outputs = w.detector * w.detector * (C + 8 + 8);
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
  knownKeys('options.', opts, ['availableBytes', 'cores', 'headroom']);
  const cores = opts.cores ?? os.availableParallelism();
  const avail = opts.availableBytes ?? availableMemory().bytes;
  const headroom = opts.headroom ?? 0.2;
  const model = memoryModel(osys.workloadShape());
  const fit = Math.floor((avail * (1 - headroom)) / model.perProcess);
  return Math.max(1, Math.min(cores, n, fit));
}
