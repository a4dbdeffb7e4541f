// Native kernel benchmark: complex GEMM and MFT GFLOP/s, fft2 mflops (benchFFT
// formula 5·N·log2(N)/µs) with planning and execution timed apart, and FFTW
// wisdom re-planning, for n = 512, 1024, 2048, 4096 at 1 and 2 threads.
//
//   npm run bench:kernels [-- --sizes 512,1024 --threads 1,2 --only gemm,fft,estimate,wisdom
//                            --json out.json]
//
// Ratios are measured in the same run: airy mft vs raw GEMM of the same
// shapes, airy fft2 vs raw FFTW execution of the same plan.
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { native } from '../lib/binding';
import { fft2Sync, forgetWisdom, mftSync, setBlasThreads, blasInfo } from '../lib/index';
import { arg, machineInfo, median, printMachine } from './machine';

const SIZES = arg('sizes', '512,1024,2048,4096').split(',').map(Number);
const THREADS = arg('threads', '1,2').split(',').map(Number);
const JSON_OUT = arg('json', '');
const ONLY = new Set(arg('only', 'gemm,fft,estimate,wisdom').split(','));
const reps = (n: number) => (n <= 1024 ? 5 : n <= 2048 ? 3 : 2);

const n = native();
const results: Record<string, unknown>[] = [];
const machine = machineInfo();
printMachine(machine);

function timeIt(fn: () => void, r: number): number {
  fn(); // warm-up: kernels cached, pages touched
  const ts: number[] = [];
  for (let i = 0; i < r; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1e3);
  }
  return median(ts);
}

if (ONLY.has('gemm')) console.log('\n== complex GEMM and MFT (n² -> (n/2)², nlamD = n/8) ==');
if (ONLY.has('gemm')) console.log('threads     n   zgemm n³ GF/s   mft GF/s   raw GEMM same shapes GF/s   mft/raw');
for (const th of ONLY.has('gemm') ? THREADS : []) {
  if (blasInfo().threadsSettable) setBlasThreads(th);
  for (const size of SIZES) {
    const r = reps(size);
    const sq = n.gemmBench({ m: size, n: size, k: size, iterations: r });
    const sqGf = (8 * size ** 3) / sq / 1e9;
    const half = size / 2;
    // The MFT's two GEMMs: [n x n]·[n x n/2], then [n/2 x n]·[n x n/2].
    const raw = n.gemmBench({ m: size, n: half, k: size, iterations: r }) + n.gemmBench({ m: half, n: half, k: size, iterations: r });
    const flops = 8 * (size * size * half + half * size * half);
    const data = new Float64Array(2 * size * size).map((_, i) => Math.sin(i));
    const out = new Float64Array(2 * half * half);
    const t = timeIt(() => mftSync({ data, shape: [size, size] }, { nlamD: size / 8, npix: half, out }), r);
    const ratio = raw / t;
    console.log(
      `${String(th).padStart(7)} ${String(size).padStart(5)} ${sqGf.toFixed(1).padStart(14)} ${(flops / t / 1e9).toFixed(1).padStart(10)} ${(flops / raw / 1e9).toFixed(1).padStart(27)} ${(ratio * 100).toFixed(1).padStart(8)}%`,
    );
    results.push({ kind: 'gemm-mft', threads: th, n: size, zgemmGflops: sqGf, mftGflops: flops / t / 1e9, rawGflops: flops / raw / 1e9, mftOverRaw: ratio });
  }
}
n.mftClearCache();

// fft2 against FFTW's own 2D plan at the same planner effort on the same
// arrays. Rounds pair a batch of raw executions with a batch of airy calls,
// the two batches taking turns at going first; each batch runs back to back
// (steady state for both plans) and gives its median. The ratio is the median
// of the per-round ratios (a paired comparison: drift on a noisy machine
// cancels within a round); the times shown are medians over rounds.
function compareFft(planner: 'estimate' | 'measure', th: number, size: number, rounds: number) {
  forgetWisdom();
  const planS = n.fftwPlan({ ny: size, nx: size, threads: th, planner });
  const data = new Float64Array(2 * size * size).map((_, i) => Math.cos(i * 0.1));
  const out = new Float64Array(data.length);
  const batch = Math.max(3, reps(size) * (planner === 'measure' ? 4 : 1));
  const airyBatch = () => {
    const ts: number[] = [];
    for (let i = 0; i < batch; i++) {
      const t0 = performance.now();
      fft2Sync({ data, shape: [size, size] }, { threads: th, planner, out });
      ts.push((performance.now() - t0) / 1e3);
    }
    return median(ts);
  };
  fft2Sync({ data, shape: [size, size] }, { threads: th, planner, out });
  const rawT: number[] = [];
  const airyT: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let raw: number;
    let airy: number;
    if (round % 2 === 0) {
      raw = n.fftwRawExecute(data, { ny: size, nx: size, threads: th, planner }, out, batch);
      airy = airyBatch();
    } else {
      airy = airyBatch();
      raw = n.fftwRawExecute(data, { ny: size, nx: size, threads: th, planner }, out, batch);
    }
    rawT.push(raw);
    airyT.push(airy);
    ratios.push(airy / raw);
  }
  const rawS = median(rawT);
  const airyS = median(airyT);
  const N = size * size;
  const mf = (s: number) => (5 * N * Math.log2(N)) / (s * 1e6);
  console.log(
    `${String(th).padStart(7)} ${String(size).padStart(5)} ${planS.toFixed(2).padStart(8)} ${(airyS * 1e3).toFixed(2).padStart(10)} ${(rawS * 1e3).toFixed(2).padStart(8)} ${mf(airyS).toFixed(0).padStart(13)} ${mf(rawS).toFixed(0).padStart(12)} ${median(ratios).toFixed(3).padStart(15)}`,
  );
  results.push({
    kind: planner === 'measure' ? 'fft2' : 'fft2-estimate',
    threads: th,
    n: size,
    planSeconds: planS,
    airySeconds: airyS,
    rawSeconds: rawS,
    airyMflops: mf(airyS),
    rawMflops: mf(rawS),
    airyOverRaw: median(ratios),
  });
}

const FFT_HEADER = 'threads     n   plan s    airy ms   raw ms   airy mflops   raw mflops   airy/raw time';
if (ONLY.has('fft')) {
  console.log("\n== fft2 (FFTW, measure planner; raw = FFTW's own 2D plan) ==");
  console.log(FFT_HEADER);
  for (const th of THREADS) for (const size of SIZES) compareFft('measure', th, size, 16);
}
if (ONLY.has('estimate')) {
  console.log("\n== fft2 with the default estimate planner (raw = FFTW's own 2D estimate plan) ==");
  console.log(FFT_HEADER);
  for (const th of THREADS) for (const size of SIZES) compareFft('estimate', th, size, 6);
}

if (ONLY.has('wisdom')) console.log('\n== FFTW wisdom: measure-planning cold vs from saved wisdom ==');
for (const size of ONLY.has('wisdom') ? SIZES.filter((s) => s <= 2048) : []) {
  forgetWisdom();
  const cold = n.fftwPlan({ ny: size, nx: size, planner: 'measure' });
  const wisdom = n.fftwExportWisdom();
  forgetWisdom();
  n.fftwImportWisdom(wisdom);
  const t0 = performance.now();
  const warm = n.fftwPlan({ ny: size, nx: size, planner: 'measure' });
  const total = (performance.now() - t0) / 1e3;
  console.log(
    `n=${size}: cold ${cold.toFixed(3)} s, from wisdom ${(warm * 1e3).toFixed(3)} ms (call ${(total * 1e3).toFixed(3)} ms): ${(cold / Math.max(warm, 1e-9)).toFixed(0)}x faster`,
  );
  results.push({ kind: 'wisdom', n: size, coldSeconds: cold, wisdomSeconds: warm, speedup: cold / Math.max(warm, 1e-9) });
}

if (JSON_OUT) {
  fs.writeFileSync(JSON_OUT, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2));
  console.log(`\nresults written to ${JSON_OUT}`);
}
