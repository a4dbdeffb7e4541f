/** `airy info`: this machine's numerical set-up. */
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../binding';
import { config } from '../config';
import { blasInfo, cpuInfo } from '../engine/blas';
import { fftwInfo } from '../engine/fftw';
import { cfitsioVersion } from '../io/fits';
import { loadSystem } from '../io/load';
import { availableMemory, estimateOptimalNProcesses, memoryModel } from '../run/memory';
import { version } from '../version';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** The standard benchmark workloads shipped in the package. */
export function standardWorkloads(): { name: string; file: string }[] {
  return ['imaging', 'coronagraph'].map((n) => ({ name: n, file: path.join(packageRoot, 'benchmarks', 'workloads', `${n}.json`) }));
}

export function infoReport() {
  const cpu = cpuInfo();
  const mem = availableMemory();
  const workers: Record<string, { wavelengths: number; nProcesses: number; bytesPerWorker: number }> = {};
  for (const w of standardWorkloads()) {
    const osys = loadSystem({ file: w.file });
    const n = osys.defaultSource?.wavelengths.length ?? 10;
    workers[w.name] = { wavelengths: n, nProcesses: estimateOptimalNProcesses(osys, n), bytesPerWorker: memoryModel(osys.workloadShape()).perProcess };
  }
  return {
    airy: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: cpu.model || os.cpus()[0]?.model || 'unknown', vendor: cpu.vendor, features: cpu.features },
    cores: os.availableParallelism(),
    memory: { total: os.totalmem(), free: os.freemem(), available: mem.bytes, availableSource: mem.source },
    blas: blasInfo(),
    fftw: fftwInfo(),
    cfitsio: cfitsioVersion(),
    config: config.explain(),
    workers,
  };
}

export function printInfo(r: ReturnType<typeof infoReport>): void {
  const line = (k: string, v: unknown) => console.log(`${k.padEnd(14)} ${v}`);
  line('airy', `${r.airy} (node ${r.node}, ${r.platform})`);
  line('cpu', `${r.cpu.model} [${r.cpu.vendor}]`);
  line('cpu features', r.cpu.features.join(' ') || '(none reported)');
  line('cores', r.cores);
  line('memory', `${gib(r.memory.total)} total, ${gib(r.memory.available)} available (${r.memory.availableSource})`);
  const b = r.blas;
  line('blas', `${b.vendor} ${b.version || '(version not reported)'}${b.kernel ? `, kernel ${b.kernel}` : ''}`);
  line('  library', b.bundled ? `${b.library} (bundled in the prebuilt addon)` : b.library);
  line('  threading', `${b.threading}, ${b.threads < 0 ? 'unknown' : b.threads} thread(s)${b.threadsSettable ? '' : ' (fixed)'}`);
  for (const w of b.warnings) line('  WARNING', w);
  const f = r.fftw;
  line('fftw', `${f.version}, ${f.threads} thread(s)/transform, planner ${f.planner}, threads ${f.threadsAvailable ? 'available' : 'unavailable'}`);
  line('  wisdom', f.wisdomFile || '(none)');
  line('cfitsio', r.cfitsio);
  console.log('config');
  for (const [k, v] of Object.entries(r.config)) {
    console.log(`  ${k.padEnd(18)} ${JSON.stringify(v.value).padEnd(12)} ${v.source}${v.source === 'env' ? ` (${v.env})` : ''}`);
  }
  const ws = Object.entries(r.workers);
  if (ws.length) {
    console.log('workers (estimateOptimalNProcesses, standard workloads)');
    for (const [name, w] of ws)
      console.log(`  ${name.padEnd(12)} ${w.nProcesses} for ${w.wavelengths} wavelengths (${(w.bytesPerWorker / 2 ** 20).toFixed(0)} MB per worker)`);
  }
}
