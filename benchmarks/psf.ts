// PSF benchmark: the two standard workloads (benchmarks/workloads; 10-wavelength
// imaging and Lyot coronagraph, the coronagraph both by padded FFT and by MFT
// boxes; 1024² pupil) at oversampling k = 1, 2, 4:
// a cold first call, warm serial calls (BLAS and FFTW on one thread) with the
// split of each PSF's time into rasterising, MFT/FFT kernels and everything
// else, warm calls with threaded kernels on all cores, and the peak RSS of
// one coronagraph wavelength at each k (measured in a child process).
//
//   npm run bench:psf [-- --k 1,2,4 --repeats 3 --json out.json]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { config, loadSystem, setBlasThreads } from '../lib/index';
import { arg, machineInfo, median, printMachine, workload } from './machine';

const KS = arg('k', '1,2,4').split(',').map(Number);
const REPEATS = Number(arg('repeats', '3'));
const JSON_OUT = arg('json', '');

// Child mode: one coronagraph wavelength, print peak RSS.
if (process.argv.includes('--child-rss')) {
  const k = Number(arg('child-rss', '1'));
  const j = workload(arg('child-workload', 'coronagraph'), k);
  (j.source as { wavelengths: number[]; weights: number[] }) = { wavelengths: [2e-6], weights: [1] } as never;
  const osys = loadSystem(j);
  osys.calcPsf().then(() => {
    // VmHWM is this address space's peak (getrusage's maxrss would carry the
    // parent's peak across exec on Linux).
    const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    console.log(JSON.stringify({ maxRssBytes: hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024 }));
  });
} else {
  void main();
}

async function main(): Promise<void> {
  const machine = machineInfo();
  printMachine(machine);
  const cores = machine.cores;
  console.log(`\nplanner ${config.get('fftwPlanner')}; cold = first calcPsf on a new system (rasterising included);`);
  console.log(`warm = median of ${REPEATS} later calls; serial = 1 BLAS + 1 FFTW thread; threaded = ${cores} + ${cores}`);
  console.log('workload      k  cold s  cold/kern  | serial s  raster s  kernels s  other s  PSF/kern | threaded s  speed-up');
  const results: Record<string, unknown>[] = [];
  for (const name of ['imaging', 'coronagraph', 'coronagraph-mft']) {
    for (const k of KS) {
      config.set({ fftThreads: 1, blasThreads: 1 });
      setBlasThreads(1);
      const osys = loadSystem(workload(name, k));
      const cold = (await osys.calcPsf()).timing!;
      const runs = [];
      for (let r = 0; r < REPEATS; r++) runs.push((await osys.calcPsf()).timing!);
      config.set({ fftThreads: cores, blasThreads: cores });
      const thr = [];
      for (let r = 0; r < REPEATS; r++) thr.push((await osys.calcPsf()).timing!.totalSeconds);
      osys.release();
      const tot = median(runs.map((x) => x.totalSeconds));
      const ker = median(runs.map((x) => x.kernelSeconds));
      const threaded = median(thr);
      const other = tot - ker;
      const coldRatio = cold.totalSeconds / cold.kernelSeconds;
      console.log(
        `${name.padEnd(12)} ${String(k).padStart(2)} ${cold.totalSeconds.toFixed(3).padStart(7)} ${coldRatio.toFixed(3).padStart(10)}  | ${tot.toFixed(3).padStart(8)} ${cold.rasterSeconds.toFixed(3).padStart(9)} ${ker.toFixed(3).padStart(10)} ${other.toFixed(3).padStart(8)} ${(tot / ker).toFixed(3).padStart(9)} | ${threaded.toFixed(3).padStart(10)} ${(tot / threaded).toFixed(2).padStart(9)}`,
      );
      results.push({
        workload: name,
        k,
        coldSeconds: cold.totalSeconds,
        coldRasterSeconds: cold.rasterSeconds,
        coldKernelSeconds: cold.kernelSeconds,
        psfSeconds: tot,
        kernelSeconds: ker,
        otherSeconds: other,
        psfOverKernels: tot / ker,
        threadedSeconds: threaded,
        threads: cores,
      });
    }
  }
  config.set({ fftThreads: 1, blasThreads: 1 });
  console.log('\npeak RSS of one coronagraph wavelength (child process), FFT path vs 4 padded arrays + 200 MB, and the MFT path');
  for (const name of ['coronagraph', 'coronagraph-mft']) {
    for (const k of KS) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child-rss', String(k), '--child-workload', name], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.log(`${name} k=${k}: child failed: ${r.stderr.trim().split('\n').pop()}`);
        continue;
      }
      const rss = JSON.parse(r.stdout.trim().split('\n').pop()!).maxRssBytes as number;
      const padded = (1024 * k) ** 2 * 16;
      const budget = 4 * padded + 200 * 2 ** 20;
      console.log(
        `${name.padEnd(16)} k=${k}: ${(rss / 2 ** 20).toFixed(0)} MB (FFT budget ${(budget / 2 ** 20).toFixed(0)} MB) ${rss <= budget ? 'ok' : 'OVER'}`,
      );
      results.push({ kind: 'rss', workload: name, k, maxRssBytes: rss, budgetBytes: budget });
    }
  }
  if (JSON_OUT) {
    fs.writeFileSync(JSON_OUT, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2));
    console.log(`\nresults written to ${JSON_OUT}`);
  }
}
