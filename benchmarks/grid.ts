// PSF-grid throughput: the same grid embedded (one `airy grid` process) and
// through BullMQ + Redis with one and two `airy worker` processes on this
// machine, and the queue's cost per job (a grid of tiny PSFs, where the
// queue is all there is). Every configuration runs in rounds, interleaved;
// figures are medians. Redis's commands per job and the bytes per stored
// point are the inputs of the 10,000-PSF plan in the README.
//
//   npm run bench:grid [-- --repeats N] [--out benchmarks/results/grid]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startRedis } from '../test/helpers/redis';
import { machineInfo, median, printMachine } from './machine';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
};
const REPEATS = Number(opt('repeats', '3'));
const OUT = opt('out', path.join(__dirname, 'results', 'grid'));
const BIN = path.resolve(__dirname, '..', 'bin', 'airy.js');
const ONE_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };

/** A 5 × 5 grid of PSFs of `nlambda` wavelengths, npix `npix`, a `fov`-pixel stamp at oversample `os`. */
function grid(n: number, npix: number, nlambda: number, fov: number, over: number): object {
  return {
    system: {
      npix,
      oversample: 2,
      planes: [
        {
          kind: 'pupil',
          optics: [
            { type: 'CircularAperture', radius: 1.2 },
            { type: 'SecondaryObscuration', secondaryRadius: 0.3, nSupports: 4, supportWidth: 0.05 },
          ],
        },
        { kind: 'detector', pixelscale: 0.05, fovPixels: fov, oversample: over },
      ],
      source: { wavelengths: Array.from({ length: nlambda }, (_, i) => 1e-6 + i * 1e-8) },
    },
    field: { detector: [2048, 2048], n },
    wavefront: {
      radius: 1.2,
      polynomial: [
        {
          noll: 4,
          terms: [
            [2, 0, 4e-8],
            [0, 2, 4e-8],
          ],
        },
        { noll: 7, terms: [[0, 1, 2e-8]] },
      ],
    },
  };
}

const WORKLOADS = [
  { name: 'PSFs (npix 256, 10 λ, 64² px × 4)', spec: grid(5, 256, 10, 64, 4), overhead: false },
  { name: 'tiny PSFs (npix 32, 1 λ, 8² px): queue overhead', spec: grid(10, 32, 1, 8, 1), overhead: true },
];

const redisCommands = (port: number) =>
  Number(/total_commands_processed:(\d+)/.exec(spawnSync('redis-cli', ['-p', String(port), 'info', 'stats'], { encoding: 'utf8' }).stdout)![1]);

function gridRun(file: string, out: string, extra: string[], env: NodeJS.ProcessEnv = {}): number {
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'grid', file, '--out', out, '-q', ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`airy grid failed: ${r.stderr}`);
  return (performance.now() - t0) / 1e3;
}

function startWorkers(n: number, url: string): ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn(process.execPath, [BIN, 'worker', '--queue', url, '--parallel', 'none', '-q'], { stdio: 'ignore', env: { ...process.env, ...ONE_THREAD } }),
  );
}

const stop = (ws: ChildProcess[]) =>
  Promise.all(
    ws.map((w) => {
      const closed = new Promise((r) => w.on('close', r));
      w.kill('SIGTERM');
      return closed;
    }),
  );

async function main(): Promise<void> {
  const m = machineInfo();
  printMachine(m);
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = await startRedis(port);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-bench-grid-'));
  const lines: string[] = [];
  const results: Record<string, unknown>[] = [];
  try {
    for (const w of WORKLOADS) {
      const file = path.join(dir, 'grid.json');
      fs.writeFileSync(file, JSON.stringify(w.spec));
      const out = path.join(dir, 'out');
      const configs: { name: string; run: () => Promise<number> }[] = [
        { name: 'embedded, parallel none (BLAS on all cores)', run: async () => gridRun(file, out, ['--parallel', 'none']) },
        { name: 'embedded, parallel threads (2 lanes)', run: async () => gridRun(file, out, ['--parallel', 'threads', '--nprocs', '2']) },
        ...[1, 2].map((n) => ({
          name: `queue, ${n} worker${n > 1 ? 's' : ''} (1-thread kernels each)`,
          run: async () => {
            const ws = startWorkers(n, url);
            await new Promise((r) => setTimeout(r, 1500)); // workers connected
            const c0 = redisCommands(port);
            const s = gridRun(file, out, ['--queue', url]);
            commandsPerJob = (redisCommands(port) - c0) / npts;
            await stop(ws);
            return s;
          },
        })),
      ];
      const npts = (w.spec as { field: { n: number } }).field.n ** 2;
      let commandsPerJob = 0;
      const times = configs.map(() => [] as number[]);
      for (let r = 0; r < REPEATS; r++) for (const [i, c] of configs.entries()) times[i]!.push(await c.run());
      const bytes = fs.readdirSync(path.join(out, 'points')).reduce((s, f) => s + fs.statSync(path.join(out, 'points', f)).size, 0) / npts;
      const base = median(times[0]!);
      lines.push(
        `\n${w.name}: ${npts} points, ${(bytes / 1024).toFixed(0)} KiB stored per point, ${commandsPerJob.toFixed(0)} Redis commands per job (client and 2 workers)`,
      );
      configs.forEach((c, i) => {
        const s = median(times[i]!);
        lines.push(`  ${c.name.padEnd(48)} ${s.toFixed(2).padStart(7)} s  ${(npts / s).toFixed(1).padStart(7)} PSF/s  ${(base / s).toFixed(2)}× embedded`);
      });
      // Where computing costs next to nothing, the difference is what the queue adds per point.
      const overhead = ((median(times[2]!) - base) / npts) * 1e3;
      if (w.overhead) lines.push(`  queue cost per job (1 worker vs embedded): ${overhead.toFixed(1)} ms`);
      results.push({
        workload: w.name,
        points: npts,
        bytesPerPoint: bytes,
        commandsPerJob,
        seconds: Object.fromEntries(configs.map((c, i) => [c.name, times[i]])),
      });
    }
  } finally {
    redis.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const l of lines) console.log(l);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(`${OUT}.txt`, `${lines.join('\n').trim()}\n`);
  fs.writeFileSync(`${OUT}.json`, `${JSON.stringify({ machine: m, repeats: REPEATS, results }, null, 1)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
