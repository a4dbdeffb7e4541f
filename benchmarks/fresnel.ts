// Fresnel benchmark: the five-surface workload (benchmarks/workloads/fresnel.json,
// npix 1024, oversample 2, 10 wavelengths, a 256-pixel detector) in airy's
// modes and in POPPY's FresnelOpticalSystem on the same machine, in one run.
// POPPY runs when AIRY_POPPY_SRC points at its source (benchmarks/poppy/fresnel.py).
//
//   AIRY_POPPY_SRC=/path/to/poppy npm run bench:fresnel [-- --repeats 2 --json out.json]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FresnelCalcOptions, config, loadFresnelSystem, setBlasThreads, shutdownPool } from '../lib/index';
import { arg, machineInfo, median, printMachine } from './machine';

const REPEATS = Number(arg('repeats', '2'));
const JSON_OUT = arg('json', '');
const WORKLOAD = path.join(__dirname, 'workloads', 'fresnel.json');

function poppySeconds(): { seconds: number; numpy: string } | undefined {
  if (!process.env.AIRY_POPPY_SRC) return undefined;
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'poppy', 'fresnel.py'), '1'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`POPPY failed: ${r.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function timeMode(label: string, threads: number, opts: FresnelCalcOptions): Promise<{ label: string; seconds: number; runs: number[] }> {
  config.set({ fftThreads: threads, blasThreads: threads });
  setBlasThreads(threads);
  const osys = loadFresnelSystem({ file: WORKLOAD });
  const runs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await osys.calcPsf(opts);
    runs.push((performance.now() - t0) / 1e3);
  }
  return { label, seconds: median(runs), runs };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  printMachine(machine);
  const cores = machine.cores;
  console.log(`\nFresnel workload: 5 surfaces, npix 1024 × oversample 2 (2048² FFTs), 10 wavelengths; median of ${REPEATS} calls (the first included)`);
  const modes = [
    await timeMode('airy serial (1 FFTW + 1 BLAS thread)', 1, { parallel: 'none' }),
    await timeMode(`airy threaded kernels (${cores} + ${cores})`, cores, { parallel: 'none' }),
    await timeMode(`airy threads (${cores} lanes)`, 1, { parallel: 'threads', nProcesses: cores }),
    await timeMode(`airy processes/spawn (${cores})`, 1, { parallel: 'processes', startMethod: 'spawn', nProcesses: cores }),
  ];
  await shutdownPool();
  const poppy = poppySeconds();
  console.log('mode                                         seconds   POPPY / airy');
  for (const m of modes)
    console.log(`${m.label.padEnd(44)} ${m.seconds.toFixed(2).padStart(7)}   ${poppy ? (poppy.seconds / m.seconds).toFixed(1).padStart(6) : '    -'}`);
  if (poppy) console.log(`${`POPPY FresnelOpticalSystem (numpy ${poppy.numpy})`.padEnd(44)} ${poppy.seconds.toFixed(2).padStart(7)}`);
  if (JSON_OUT) {
    fs.writeFileSync(JSON_OUT, JSON.stringify({ machine, date: new Date().toISOString(), modes, poppy }, null, 2));
    console.log(`\nresults written to ${JSON_OUT}`);
  }
}

void main();
