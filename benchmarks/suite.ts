// The seed's comparison: seconds for a 10-wavelength PSF against the
// oversampling factor k, for every way of parallelising, for direct imaging
// and for coronagraphy by the padded FFT and by MFT boxes (the standard
// workloads, copied into benchmarks/workloads). The modes of one workload and k run in interleaved
// rounds (each round times every mode once, in rotating order); a point is
// the median of its rounds, and its speed-up the median of its per-round
// ratios to mode 1, so machine noise falls on all modes alike. Modes whose
// PSF takes under 1.5 s get an untimed run before each timed one (steady
// state, not the caches another mode left behind).
//
//   npm run bench [-- --quick | --full] [--repeats N] [--out benchmarks/results/suite]
//
// Modes (../shared/bench/README.md):
//   1 serial      one process, FFTW 1 thread, BLAS 1 thread
//   2 kernels     one process, FFTW and BLAS on all cores
//   3 spawn       worker processes (spawn), one wavelength each, kernels single-threaded
//   4 fork        forked compute-only children, where the safety policy allows it
//                 (measured in a child process started with OPENBLAS_NUM_THREADS=1:
//                 OpenBLAS starts its thread pool at load otherwise, and the policy
//                 then refuses to fork)
//   5 threads     native threads in one process, kernels single-threaded
//   6 auto        what airy picks by itself
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar, Presets } from 'cli-progress';
import { config, loadSystem, shutdownPool, version, type CalcPsfOptions, type OpticalSystem } from '../lib/index';
import { renderChart } from '../lib/io/chart';
import { machineInfo, median, printMachine, type MachineInfo, workload } from './machine';

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(`--${n}`);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const QUICK = flag('quick');
const FULL = flag('full');
const KS = opt('k', QUICK ? '1,2' : FULL ? '1,2,4,6' : '1,2,4')
  .split(',')
  .map(Number);
const REPEATS = Number(opt('repeats', QUICK ? '1' : '3'));
const OUT = opt('out', path.join(__dirname, 'results', QUICK ? 'suite-quick' : 'suite'));
const WORKLOADS = opt('workloads', 'imaging,coronagraph,coronagraph-mft').split(',');
const FORK_CHILD = flag('fork-child');
const REPLOT = opt('replot', '');

export const MODES = [
  { id: 1, name: 'serial', label: '1 single process, 1-thread kernels' },
  { id: 2, name: 'kernels', label: '2 single process, threaded kernels' },
  { id: 3, name: 'spawn', label: '3 processes (spawn)' },
  { id: 4, name: 'fork', label: '4 processes (fork)' },
  { id: 5, name: 'threads', label: '5 threads' },
  { id: 6, name: 'auto', label: '6 auto' },
] as const;
type ModeName = (typeof MODES)[number]['name'];

interface Point {
  workload: string;
  k: number;
  mode: ModeName;
  seconds: number;
  runs: number[];
  speedup?: number;
  workers: number;
  chosen: string;
  peakRssBytes: number;
}

function rssNow(): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

function modeOptions(mode: ModeName, cores: number): CalcPsfOptions {
  switch (mode) {
    case 'serial':
      config.set({ blasThreads: 1, fftThreads: 1 });
      return { parallel: 'none' };
    case 'kernels':
      config.set({ blasThreads: cores, fftThreads: cores });
      return { parallel: 'none' };
    case 'spawn':
      config.set({ blasThreads: 1, fftThreads: 1 });
      return { parallel: 'processes', startMethod: 'spawn', nProcesses: cores };
    case 'fork':
      config.set({ blasThreads: 1, fftThreads: 1 });
      return { parallel: 'processes', startMethod: 'fork', nProcesses: cores };
    case 'threads':
      config.set({ blasThreads: 1, fftThreads: 1 });
      return { parallel: 'threads', nProcesses: cores };
    default:
      config.set({ blasThreads: 1, fftThreads: 1 });
      return { parallel: 'auto' };
  }
}

/** Seconds: a mode faster than this gets an untimed run before each timed one. */
const REWARM_BELOW = 1.5;

/**
 * Times `modes` on one workload in interleaved rounds: every round runs each
 * mode once (the order rotating from round to round), so a slow stretch of
 * the machine falls on all modes alike. The speed-up of a mode is the median
 * of its per-round ratios to the first mode of the group (serial).
 */
async function measureGroup(name: string, k: number, modes: readonly ModeName[], cores: number, onRun?: () => void): Promise<Point[]> {
  const systems = modes.map(() => loadSystem(workload(name, k)));
  const warm: Awaited<ReturnType<OpticalSystem['calcPsf']>>[] = [];
  const warmSeconds: number[] = [];
  for (let j = 0; j < modes.length; j++) {
    const t0 = performance.now();
    warm.push(await systems[j]!.calcPsf(modeOptions(modes[j]!, cores))); // plans, kernels, rasters, worker start-up
    warmSeconds.push((performance.now() - t0) / 1e3);
    await settle(modes[j]!);
  }
  // Short runs are sensitive to what the previous mode left in the caches
  // (in-process modes share MFT kernels; workers keep their own): each timed
  // run of a mode whose PSF takes under REWARM_BELOW seconds follows an
  // untimed run of the same mode, so every mode is timed in its steady state.
  const rewarm = warmSeconds.map((w) => w < REWARM_BELOW);
  const runs: number[][] = modes.map(() => []);
  const peak: number[] = modes.map(() => 0);
  for (let r = 0; r < REPEATS; r++) {
    for (let q = 0; q < modes.length; q++) {
      const j = (q + r) % modes.length;
      const o = modeOptions(modes[j]!, cores);
      if (rewarm[j]) await systems[j]!.calcPsf(o);
      const t0 = performance.now();
      const p = await systems[j]!.calcPsf(o);
      runs[j]!.push((performance.now() - t0) / 1e3);
      const w = p.parallel?.workerPeakRssBytes ?? 0;
      peak[j] = Math.max(peak[j]!, rssNow() + w * (p.parallel?.workers ?? 0));
      await settle(modes[j]!);
      onRun?.();
    }
  }
  for (const o of systems) o.release();
  return modes.map((mode, j) => ({
    workload: name,
    k,
    mode,
    seconds: median(runs[j]!),
    runs: runs[j]!,
    speedup: median(runs[0]!.map((base, r) => base / runs[j]![r]!)),
    workers: warm[j]!.parallel?.workers ?? 1,
    chosen: `${warm[j]!.parallel?.mode}${warm[j]!.parallel?.mode === 'processes' ? `/${warm[j]!.parallel!.startMethod}` : ''}`,
    peakRssBytes: peak[j]!,
  }));
}

/**
 * After threaded BLAS work, OpenBLAS's pool threads spin for ~0.1 s before
 * they sleep; the next mode would share the cores with them. Untimed pause.
 */
async function settle(mode: ModeName): Promise<void> {
  if (mode === 'kernels') await sleep(300);
}

async function forkChild(): Promise<void> {
  const cores = machineInfo().cores;
  for (const name of WORKLOADS) {
    for (const k of KS) {
      try {
        // Paired with serial in this same process: the fork speed-up is
        // measured against a baseline that ran in the same rounds.
        const [, fork] = await measureGroup(name, k, ['serial', 'fork'], cores);
        console.log(JSON.stringify(fork));
      } catch (e) {
        console.log(JSON.stringify({ workload: name, k, mode: 'fork', error: (e as Error).message }));
      }
    }
  }
}

/** Runs the fork points in a child with a one-thread BLAS; `onPoint` gets each JSON line as it arrives. */
function runForkChild(onPoint: (line: string) => void): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, __filename, '--fork-child', '--k', KS.join(','), '--repeats', String(REPEATS), '--workloads', WORKLOADS.join(',')],
      {
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let buf = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) onPoint(line);
      }
    });
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

async function main(): Promise<void> {
  const machine = machineInfo();
  printMachine(machine);
  const cores = machine.cores;
  console.log(
    `\nworkloads ${WORKLOADS.join(', ')}; k = ${KS.join(', ')}; ${REPEATS} interleaved round(s) after a warm-up (each round times every mode once); speed-up = median per-round ratio to serial; ${cores} cores\n`,
  );
  const inProcess: ModeName[] = ['serial', 'kernels', 'spawn', 'threads', 'auto'];
  // Progress in units of expected work (a point costs about k² times its
  // workload's weight; the coronagraph's FFTs weigh ~6 imaging MFTs, its MFT
  // boxes ~1.5), so the
  // time left is estimated from the work done, not from the points counted.
  const weight = (name: string, k: number) => (name === 'coronagraph' ? 6 : name === 'coronagraph-mft' ? 1.5 : 1) * k * k;
  const groupWork = WORKLOADS.reduce((a, w) => a + KS.reduce((b, k) => b + weight(w, k), 0), 0);
  const total = (inProcess.length + 2) * groupWork; // + the fork child's serial and fork
  let pointsDone = 0;
  const nPoints = WORKLOADS.length * KS.length * (inProcess.length + 1);
  const bar = new SingleBar(
    {
      format: 'bench [{bar}] {points}/{nPoints} points | {point} | elapsed {duration_formatted} | left ~{eta_formatted}',
      etaBuffer: 4,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 10000,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { point: 'starting', points: 0, nPoints });
  const points: Point[] = [];
  const errors: string[] = [];
  for (const name of WORKLOADS) {
    for (const k of KS) {
      bar.update({ point: `${name} k=${k}` });
      // One share of the group's work per timed run, one for the warm-ups.
      const share = weight(name, k) / (REPEATS + 1);
      try {
        points.push(...(await measureGroup(name, k, inProcess, cores, () => bar.increment(share))));
      } catch (e) {
        errors.push(`${name} k=${k}: ${(e as Error).message}`);
      }
      pointsDone += inProcess.length;
      bar.increment(share * inProcess.length, { points: pointsDone });
    }
  }
  shutdownPool();
  bar.update({ point: 'fork (child process)' });
  const child = await runForkChild((line) => {
    const p = JSON.parse(line);
    if (p.error) errors.push(`${p.workload} k=${p.k} fork: ${p.error}`);
    else points.push(p);
    bar.increment(2 * weight(p.workload, p.k), { points: ++pointsDone, point: `fork ${p.workload} k=${p.k} done` });
  });
  if (child.status !== 0) errors.push(`fork child exited with ${child.status}: ${child.stderr.trim().split('\n').pop()}`);
  bar.stop();

  // The native kernel benchmark, folded into the same results file.
  const kernelSizes = QUICK ? '512,1024' : FULL ? '512,1024,2048,4096' : '512,1024,2048';
  const kernelsFile = `${OUT}-kernels.tmp.json`;
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  console.log(`
native kernels (sizes ${kernelSizes}) ...`);
  const kr = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, 'kernels.ts'), '--sizes', kernelSizes, '--json', kernelsFile], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  let kernels: unknown[] = [];
  if (kr.status === 0 && fs.existsSync(kernelsFile)) {
    kernels = JSON.parse(fs.readFileSync(kernelsFile, 'utf8')).results;
    fs.unlinkSync(kernelsFile);
    const body = kr.stdout.slice(kr.stdout.indexOf('== complex'), kr.stdout.indexOf('results written')).trim();
    console.log(body);
  } else {
    errors.push(`kernel benchmark failed: ${(kr.stderr || '').trim().split('\n').pop()}`);
  }

  printTable(points);
  for (const e of errors) console.log(`error: ${e}`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const result = {
    machine,
    date: new Date().toISOString(),
    airy: version,
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    config: { planner: config.get('fftwPlanner'), repeats: REPEATS, ks: KS, workloads: WORKLOADS, fftw: machine.fftw },
    modes: MODES,
    points,
    kernels,
    errors,
  };
  fs.writeFileSync(`${OUT}.json`, JSON.stringify(result, null, 2));
  await renderChart(figureSpec(points, machine), { svg: `${OUT}.svg`, png: `${OUT}.png` });
  console.log(`\nwrote ${OUT}.json, ${OUT}.svg, ${OUT}.png`);
}

function printTable(points: Point[]): void {
  console.log('\nworkload      k  mode      seconds  speed-up  workers  chosen');
  for (const p of points.sort(
    (a, b) => a.workload.localeCompare(b.workload) || a.k - b.k || MODES.findIndex((m) => m.name === a.mode) - MODES.findIndex((m) => m.name === b.mode),
  )) {
    console.log(
      `${p.workload.padEnd(12)} ${String(p.k).padStart(2)}  ${p.mode.padEnd(8)} ${p.seconds.toFixed(3).padStart(8)} ${(p.speedup ?? NaN).toFixed(2).padStart(9)} ${String(p.workers).padStart(8)}  ${p.chosen}`,
    );
  }
}

const WORKLOAD_LABELS: Record<string, string> = {
  imaging: 'Direct imaging (MFT)',
  coronagraph: 'Lyot coronagraph (padded FFT + MFT)',
  'coronagraph-mft': 'Lyot coronagraph (MFT box, default)',
};

/** The seed's figure: one panel per workload, seconds vs oversampling, one line per mode. */
export function figureSpec(points: Point[], machine: MachineInfo): object {
  const label = (m: string) => MODES.find((x) => x.name === m)?.label ?? m;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `airy ${machine.airy}: 10-wavelength PSF time vs oversampling`,
      subtitle: `${machine.cpu}, ${machine.cores} cores; ${machine.blas.vendor} ${machine.blas.version} (${machine.blas.kernel || 'n/a'}), ${machine.fftw}`,
    },
    data: {
      values: points.map((p) => ({
        ...p,
        workload: WORKLOAD_LABELS[p.workload] ?? p.workload,
        modeLabel: label(p.mode),
      })),
    },
    facet: { column: { field: 'workload', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 300,
      height: 240,
      layer: [{ mark: { type: 'line', point: true } }],
      encoding: {
        x: { field: 'k', type: 'quantitative', title: 'oversampling k', scale: { zero: false } },
        y: { field: 'seconds', type: 'quantitative', title: 'seconds per PSF', scale: { type: 'log' } },
        color: { field: 'modeLabel', type: 'nominal', title: 'mode', sort: MODES.map((m) => m.label), legend: { labelLimit: 320 } },
        tooltip: [{ field: 'seconds' }, { field: 'speedup' }],
      },
    },
    config: { font: 'DejaVu Sans' },
  };
}

/** Redraws the figure of a results file (`--replot results.json`). */
async function replot(file: string): Promise<void> {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const base = file.replace(/\.json$/, '');
  await renderChart(figureSpec(r.points, r.machine), { svg: `${base}.svg`, png: `${base}.png` });
  console.log(`wrote ${base}.svg, ${base}.png`);
}

(REPLOT ? replot(REPLOT) : FORK_CHILD ? forkChild() : main()).then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
