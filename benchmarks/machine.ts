// Machine and library details printed next to every benchmark figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { blasInfo, cfitsioVersion, cpuInfo, fftwInfo, version } from '../lib/index';

export interface MachineInfo {
  cpu: string;
  cpuFeatures: string[];
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  airy: string;
  commit: string;
  blas: { vendor: string; version: string; kernel: string; threading: string; library: string };
  fftw: string;
  cfitsio: string;
  env: Record<string, string>;
}

export function machineInfo(): MachineInfo {
  const b = blasInfo();
  const c = cpuInfo();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    /* not a git checkout */
  }
  const env: Record<string, string> = {};
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_L2_SIZE']) {
    if (process.env[k]) env[k] = process.env[k]!;
  }
  return {
    cpu: c.model || os.cpus()[0]?.model || 'unknown',
    cpuFeatures: c.features,
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    airy: version,
    commit,
    blas: { vendor: b.vendor, version: b.version, kernel: b.kernel, threading: b.threading, library: b.library },
    fftw: fftwInfo().version,
    cfitsio: cfitsioVersion(),
    env,
  };
}

export function printMachine(m: MachineInfo): void {
  console.log(`machine  ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}`);
  console.log(`software node ${m.node}, airy ${m.airy} (${m.commit})`);
  console.log(`blas     ${m.blas.vendor} ${m.blas.version} kernel=${m.blas.kernel || '-'} threading=${m.blas.threading} (${m.blas.library})`);
  console.log(`fftw     ${m.fftw}; cfitsio ${m.cfitsio}`);
  if (Object.keys(m.env).length)
    console.log(
      `env      ${Object.entries(m.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
}

/** The value after `--name` on the command line, or `def`. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Folder of the standard workloads (copies of the shared benchmark workloads, shipped in the package). */
export const workloadDir = path.join(__dirname, 'workloads');

/** A standard workload's JSON system with the oversampling set to k (system and detector). */
export function workload(name: string, k = 1): Record<string, unknown> {
  // 'coronagraph' is the padded-FFT path (as POPPY's default); 'coronagraph-mft' the same system by MFT boxes.
  const mft = name === 'coronagraph-mft';
  const j = JSON.parse(fs.readFileSync(path.join(workloadDir, `${mft ? 'coronagraph' : name}.json`), 'utf8'));
  if (name.startsWith('coronagraph')) j.propagation = mft ? 'mft' : 'fft';
  j.oversample = k;
  j.planes[j.planes.length - 1].oversample = k;
  return j;
}
