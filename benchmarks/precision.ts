// Single vs double precision on the standard workloads (10-wavelength
// imaging and Lyot coronagraph by padded FFT and by MFT boxes, 1024² pupil)
// at k = 1, 2, 4, in one run: warm PSF seconds with single-threaded kernels
// (the seed's mode 1) and with kernels on all cores, the speed-up, the error
// of single against double, and the peak RSS of one coronagraph wavelength
// in each precision (measured in a child process).
//
//   npm run bench:precision [-- --k 1,2,4 --workloads imaging,coronagraph,coronagraph-mft --repeats 3 --json out.json]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { config, loadSystem, type Precision, type Psf, setBlasThreads } from '../lib/index';
import { arg, machineInfo, median, printMachine, workload } from './machine';

const KS = arg('k', '1,2,4').split(',').map(Number);
const REPEATS = Number(arg('repeats', '3'));
const JSON_OUT = arg('json', '');
const MIN_SECONDS = 1.5;
const WORKLOADS = arg('workloads', 'imaging,coronagraph,coronagraph-mft').split(',');

if (process.argv.includes('--child-rss')) {
  childRss();
} else {
  void main();
}

/** Child mode: one coronagraph wavelength in the given precision; prints the peak RSS. */
function childRss(): void {
  const j = workload(arg('child-workload', 'coronagraph'), Number(arg('child-rss', '1')));
  j.source = { wavelengths: [2e-6], weights: [1] };
  loadSystem(j)
    .calcPsf({ precision: arg('precision', 'double') as Precision })
    .then(() => {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      console.log(JSON.stringify({ maxRssBytes: Number(hwm?.[1] ?? 0) * 1024 }));
    });
}

function relError(a: Psf, b: Psf): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m / a.peak();
}

/**
 * Median warm seconds of each precision, the two interleaved so drifts hit
 * both alike: at least REPEATS pairs, and more (up to 40) until each
 * precision has run for MIN_SECONDS, so that short PSFs get enough samples.
 */
async function timeBoth(j: Record<string, unknown>): Promise<{ double: number; single: number; error: number; repeats: number }> {
  const osys = loadSystem(j);
  const d = await osys.calcPsf({ precision: 'double' });
  const s = await osys.calcPsf({ precision: 'single' });
  const times: Record<Precision, number[]> = { double: [], single: [] };
  const spent = () => times.single.reduce((a, x) => a + x, 0);
  while (times.single.length < REPEATS || (spent() < MIN_SECONDS && times.single.length < 40))
    for (const p of ['double', 'single'] as const) times[p].push((await osys.calcPsf({ precision: p })).timing!.totalSeconds);
  osys.release();
  return { double: median(times.double), single: median(times.single), error: relError(d, s), repeats: times.single.length };
}

function kernels(threads: number): void {
  config.set({ fftThreads: threads, blasThreads: threads });
  setBlasThreads(threads);
}

function peakRss(name: string, k: number, precision: Precision): number | undefined {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child-rss', String(k), '--child-workload', name, '--precision', precision], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout.trim().split('\n').pop()!).maxRssBytes as number;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  printMachine(machine);
  const cores = machine.cores;
  console.log(
    `\nplanner ${config.get('fftwPlanner')}; warm PSF seconds, median of at least ${REPEATS} interleaved pairs (more for short PSFs, until ${MIN_SECONDS} s each); serial = 1 BLAS + 1 FFTW thread, threaded = ${cores} + ${cores}`,
  );
  console.log("error = max |single - double| over the double PSF's peak");
  console.log('workload          k | serial double  single  speed-up | threaded double  single  speed-up | error');
  const results: Record<string, unknown>[] = [];
  for (const name of WORKLOADS) {
    for (const k of KS) {
      kernels(1);
      const serial = await timeBoth(workload(name, k));
      kernels(cores);
      const threaded = await timeBoth(workload(name, k));
      const su = serial.double / serial.single;
      const tu = threaded.double / threaded.single;
      console.log(
        `${name.padEnd(16)} ${String(k).padStart(2)} | ${serial.double.toFixed(3).padStart(13)} ${serial.single.toFixed(3).padStart(7)} ${su.toFixed(2).padStart(9)} | ${threaded.double.toFixed(3).padStart(15)} ${threaded.single.toFixed(3).padStart(7)} ${tu.toFixed(2).padStart(9)} | ${serial.error.toExponential(1)}`,
      );
      results.push({ workload: name, k, serial, threaded, serialSpeedup: su, threadedSpeedup: tu, error: serial.error });
    }
  }
  console.log('\npeak RSS of one coronagraph wavelength (child process)');
  for (const name of ['coronagraph', 'coronagraph-mft']) {
    for (const k of KS) {
      const d = peakRss(name, k, 'double');
      const s = peakRss(name, k, 'single');
      const mb = (b: number | undefined) => (b === undefined ? 'failed' : `${(b / 2 ** 20).toFixed(0)} MB`);
      console.log(`${name.padEnd(16)} k=${k}: double ${mb(d)}, single ${mb(s)}`);
      results.push({ kind: 'rss', workload: name, k, doubleBytes: d, singleBytes: s });
    }
  }
  if (JSON_OUT) {
    fs.writeFileSync(JSON_OUT, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2));
    console.log(`\nresults written to ${JSON_OUT}`);
  }
}
