// BLAS backends compared: raw complex GEMM and the MFT-bound imaging
// workload (10 wavelengths, 1024² pupil, k = 1) under every BLAS the machine
// has, each in its own child process selected by library path (the Debian
// libblas.so.3 alternatives: OpenBLAS, BLIS, ATLAS, reference), plus OpenBLAS
// with explicit OPENBLAS_CORETYPE kernels set for that command only. Each
// child reports what blasInfo() saw, so the table says what really ran.
//
//   npm run bench:blas [-- --repeats 3 --coretypes Haswell,SkylakeX --out benchmarks/results/blas]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blasInfo, config, getBlasThreads, loadSystem, setBlasThreads } from '../lib/index';
import { native } from '../lib/binding';
import { renderChart } from '../lib/io/chart';
import { machineInfo, median, printMachine, workload } from './machine';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const REPEATS = Number(opt('repeats', '3'));
const OUT = opt('out', path.join(__dirname, 'results', 'blas'));
const CORETYPES = opt('coretypes', 'Haswell,SkylakeX').split(',').filter(Boolean);

interface Row {
  variant: string;
  env: Record<string, string>;
  vendor: string;
  version: string;
  kernel: string;
  threading: string;
  library: string;
  threads: number;
  gemm1: number; // GFLOP/s, 1 thread (NaN if the library could not be set to one thread)
  gemmAll: number; // GFLOP/s, all cores
  psfSeconds: number; // imaging k=1, 10 wavelengths, BLAS on all cores
  error?: string;
}

async function child(): Promise<void> {
  const n = native();
  const cores = os.availableParallelism();
  // Complex GEMM of the MFT's first product at 1024²: 512x1024 by 1024x1024.
  const flops = 8 * 512 * 1024 * 1024;
  const gemm = (threads: number) => {
    if (blasInfo().threadsSettable) setBlasThreads(threads);
    n.gemmBench({ m: 512, n: 1024, k: 1024, iterations: 1 });
    return flops / n.gemmBench({ m: 512, n: 1024, k: 1024, iterations: REPEATS }) / 1e9;
  };
  // Only a measurement the library confirms ran on one thread counts as such.
  let gemm1 = gemm(1);
  if (getBlasThreads() !== 1) gemm1 = Number.NaN;
  const gemmAll = gemm(cores);
  config.set({ blasThreads: blasInfo().threadsSettable ? cores : 0, fftThreads: 1 });
  const osys = loadSystem(workload('imaging', 1));
  await osys.calcPsf();
  const runs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await osys.calcPsf();
    runs.push((performance.now() - t0) / 1e3);
  }
  const b = blasInfo();
  console.log(
    JSON.stringify({
      vendor: b.vendor,
      version: b.version,
      kernel: b.kernel,
      threading: b.threading,
      library: b.library,
      threads: getBlasThreads(),
      gemm1,
      gemmAll,
      psfSeconds: median(runs),
    }),
  );
}

function variants(): { variant: string; env: Record<string, string> }[] {
  const dirs = [
    ['OpenBLAS (auto kernel)', '/usr/lib/x86_64-linux-gnu/openblas-pthread'],
    ['BLIS', '/usr/lib/x86_64-linux-gnu/blis-openmp'],
    ['ATLAS', '/usr/lib/x86_64-linux-gnu/atlas'],
    ['reference BLAS', '/usr/lib/x86_64-linux-gnu/blas'],
  ];
  const out: { variant: string; env: Record<string, string> }[] = [];
  for (const [name, dir] of dirs) {
    if (!fs.existsSync(path.join(dir!, 'libblas.so.3'))) continue;
    // Debian's BLIS exposes no thread setter through the BLAS interface: its
    // own variable gives it the cores the others get.
    const extra: Record<string, string> = name === 'BLIS' ? { BLIS_NUM_THREADS: String(os.availableParallelism()) } : {};
    out.push({ variant: name!, env: { LD_LIBRARY_PATH: dir!, ...extra } });
  }
  const ob = out.find((v) => v.variant.startsWith('OpenBLAS'));
  if (ob) for (const ct of CORETYPES) out.push({ variant: `OpenBLAS, OPENBLAS_CORETYPE=${ct}`, env: { ...ob.env, OPENBLAS_CORETYPE: ct } });
  if (out.length === 0) out.push({ variant: 'linked BLAS', env: {} });
  return out;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  printMachine(machine);
  console.log(`\nimaging workload k=1 (10 wavelengths), BLAS on ${machine.cores} threads; GEMM 512x1024 · 1024x1024 complex; median of ${REPEATS}\n`);
  const rows: Row[] = [];
  for (const v of variants()) {
    process.stdout.write(`${v.variant} ... `);
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', '--repeats', String(REPEATS)], {
      env: { ...process.env, ...v.env },
      encoding: 'utf8',
      timeout: 600_000,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      const err = (r.stderr || `exit ${r.status}`).trim().split('\n').pop()!;
      rows.push({
        variant: v.variant,
        env: v.env,
        vendor: '?',
        version: '',
        kernel: '',
        threading: '',
        library: '',
        threads: 0,
        gemm1: 0,
        gemmAll: 0,
        psfSeconds: 0,
        error: err,
      });
      console.log(`failed: ${err}`);
      continue;
    }
    const got = JSON.parse(line);
    rows.push({ variant: v.variant, env: v.env, ...got, gemm1: typeof got.gemm1 === 'number' ? got.gemm1 : Number.NaN });
    console.log('done');
  }
  console.log('\nvariant                                 blasInfo() says                                  GEMM 1 thr  GEMM all   PSF s');
  for (const r of rows) {
    const said = r.error ? `error: ${r.error}` : `${r.vendor} ${r.version} ${r.kernel} (${r.threading}, ${r.threads} thr)`.replace(/\s+/g, ' ');
    console.log(
      `${r.variant.padEnd(39)} ${said.slice(0, 48).padEnd(48)} ${(Number.isFinite(r.gemm1) ? r.gemm1.toFixed(1) : '-').padStart(9)} ${r.gemmAll.toFixed(1).padStart(9)} ${r.psfSeconds.toFixed(3).padStart(7)}`,
    );
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(
    `${OUT}.json`,
    JSON.stringify({ machine, date: new Date().toISOString(), command: `npm run bench:blas -- ${argv.join(' ')}`.trim(), rows }, null, 2),
  );
  const ok = rows.filter((r) => !r.error);
  const data = ok.flatMap((r) => [
    { variant: r.variant, measure: 'complex GEMM, GFLOP/s (all cores)', value: r.gemmAll },
    { variant: r.variant, measure: 'imaging PSF, seconds (10 wavelengths)', value: r.psfSeconds },
  ]);
  await renderChart(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: 'airy: the same PSF under each BLAS', subtitle: `${machine.cpu}, ${machine.cores} cores` },
      data: { values: data },
      facet: { column: { field: 'measure', type: 'nominal', title: null } },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 300,
        height: 26 * ok.length,
        mark: 'bar',
        encoding: {
          y: { field: 'variant', type: 'nominal', title: null, sort: ok.map((r) => r.variant), axis: { labelLimit: 300 } },
          x: { field: 'value', type: 'quantitative', title: null },
          color: { field: 'variant', type: 'nominal', legend: null },
        },
      },
      config: { font: 'DejaVu Sans' },
    },
    { svg: `${OUT}.svg`, png: `${OUT}.png` },
  );
  console.log(`\nwrote ${OUT}.json, ${OUT}.svg, ${OUT}.png`);
}

(argv.includes('--child') ? child() : main()).then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
