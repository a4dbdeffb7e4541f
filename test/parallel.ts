import t from 'tap';
import { runNodeScript } from './helpers/node-script';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  OpticalSystem,
  CircularAperture,
  SecondaryObscuration,
  CircularOcculter,
  checkParallelSafety,
  estimateOptimalNProcesses,
  memoryModel,
  config,
  resolveParallel,
  UnsafeParallelismError,
  poolPids,
  shutdownPool,
  loadSystem,
  getBlasThreads,
  setBlasThreads,
  type ParallelFacts,
} from '../lib/index';
import * as fs from 'node:fs';
import { running } from './helpers/processes';

t.teardown(() => shutdownPool());

const LAM = [1.0e-6, 1.05e-6, 1.1e-6, 1.15e-6, 1.2e-6, 1.25e-6];

function imaging(npix = 128): OpticalSystem {
  const o = new OpticalSystem({ npix, oversample: 2 });
  o.addPupil([new CircularAperture({ radius: 1 }), new SecondaryObscuration({ secondaryRadius: 0.2, nSupports: 3, supportWidth: 0.02 })]);
  o.addDetector({ pixelscale: 0.02, fovPixels: 40, oversample: 2 });
  return o;
}
function coronagraph(npix = 64, oversample = 2, propagation: 'fft' | 'mft' = 'fft'): OpticalSystem {
  const o = new OpticalSystem({ npix, oversample, propagation });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addImage(new CircularOcculter({ radius: 0.3 }));
  o.addPupil(new CircularAperture({ radius: 0.8 }));
  o.addDetector({ pixelscale: 0.02, fovPixels: 40 });
  return o;
}

const base: ParallelFacts = {
  platform: 'linux',
  blasVendor: 'openblas',
  blasThreading: 'pthreads',
  fftwThreadsStarted: false,
  blasThreadsStarted: false,
  mode: 'processes',
  startMethod: 'fork',
  workers: 2,
  kernelThreads: 1,
  cores: 2,
};

t.test('safety policy: every rule, with injected facts', async (t) => {
  t.same(checkParallelSafety(base), { ok: true, busyThreads: 2 }, 'fork with fresh OpenBLAS and FFTW, 2 workers on 2 cores: allowed');
  const refuse = (facts: Partial<ParallelFacts>, code: string, alt: RegExp) => {
    let err: unknown;
    try {
      checkParallelSafety({ ...base, ...facts });
    } catch (e) {
      err = e;
    }
    t.ok(
      err instanceof UnsafeParallelismError && err.code === code && alt.test(err.alternative) && err.message.includes('Use instead'),
      `${code}: ${err instanceof Error ? err.message : 'not refused'}`,
    );
  };
  refuse({ platform: 'darwin', blasVendor: 'accelerate', blasThreading: 'gcd' }, 'ERR_AIRY_FORK_ACCELERATE', /spawn/);
  refuse({ platform: 'darwin', blasVendor: 'unknown', blasThreading: 'gcd' }, 'ERR_AIRY_FORK_ACCELERATE', /spawn/);
  refuse({ fftwThreadsStarted: true }, 'ERR_AIRY_FORK_AFTER_FFTW_THREADS', /spawn/);
  refuse({ blasThreadsStarted: true }, 'ERR_AIRY_FORK_AFTER_BLAS_THREADS', /spawn/);
  refuse({ platform: 'win32' }, 'ERR_AIRY_FORK_UNSUPPORTED', /spawn/);
  refuse({ startMethod: 'spawn', workers: 2, kernelThreads: 2 }, 'ERR_AIRY_OVERSUBSCRIBED', /nProcesses: 1/);
  refuse({ mode: 'threads', workers: 4 }, 'ERR_AIRY_OVERSUBSCRIBED', /nProcesses: 2/);
  refuse({ mode: 'none', workers: 1, kernelThreads: 8 }, 'ERR_AIRY_OVERSUBSCRIBED', /nProcesses: 1|allowOversubscribe/);
  // What is safe stays allowed.
  t.ok(
    checkParallelSafety({ ...base, platform: 'darwin', blasVendor: 'accelerate', blasThreading: 'gcd', startMethod: 'spawn' }).ok,
    'spawn with Accelerate is fine',
  );
  t.ok(checkParallelSafety({ ...base, mode: 'threads', fftwThreadsStarted: true, blasThreadsStarted: true }).ok, 'threads after FFTW/BLAS threads is fine');
  t.ok(checkParallelSafety({ ...base, startMethod: 'spawn', fftwThreadsStarted: true }).ok, 'spawn after FFTW threads is fine');
  t.same(
    checkParallelSafety({ ...base, startMethod: 'spawn', workers: 4, allowOversubscribe: true }),
    { ok: true, busyThreads: 4 },
    'oversubscription when asked',
  );
  t.throws(() => checkParallelSafety({ ...base, workers: 0 }), RangeError, 'workers must be >= 1');
  t.throws(() => checkParallelSafety({ ...base, mode: 'auto' as never }), /facts\.mode must be one of/);
});

t.test('config: parallel, the useMultiprocessing alias, nProcesses, startMethod; order call > set > env', async (t) => {
  t.teardown(() => config.reset());
  t.same(resolveParallel(), { mode: 'none', source: 'default' });
  config.set({ useMultiprocessing: true });
  t.same(resolveParallel(), { mode: 'processes', source: 'set' }, 'alias');
  config.set({ parallel: 'threads' });
  t.same(resolveParallel(), { mode: 'threads', source: 'set' }, 'parallel wins over the alias at the same level');
  t.same(resolveParallel({ useMultiprocessing: true }), { mode: 'processes', source: 'call' }, 'a call beats config.set');
  t.throws(() => config.set({ parallel: 'gpu' as never }), /config\.parallel must be one of 'none', 'processes', 'threads', 'auto', got "gpu"/);
  t.throws(() => config.set({ startMethod: 'vfork' as never }), /one of 'spawn', 'fork'/);
  t.throws(() => config.set({ nProcesses: -1 }), /nProcesses must be an integer in \[0/);
  const env = { ...process.env, AIRY_PARALLEL: 'threads', AIRY_NPROCESSES: '3', AIRY_START_METHOD: 'fork' };
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      '-e',
      `const { config, resolveParallel } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    console.log(JSON.stringify([resolveParallel(), config.explain().nProcesses, config.get('startMethod')]));`,
    ],
    { env, encoding: 'utf8' },
  );
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout.trim().split('\n').pop()!), [{ mode: 'threads', source: 'env' }, { value: 3, source: 'env', env: 'AIRY_NPROCESSES' }, 'fork']);
});

async function compare(
  t: { ok: (c: boolean, m: string) => void; same: (a: unknown, b: unknown, m: string) => void },
  name: string,
  osys: OpticalSystem,
  opts: object,
): Promise<void> {
  const ref = await osys.calcPsf({ source: { wavelengths: LAM }, parallel: 'none', fftThreads: 1 });
  const seen: number[] = [];
  const p = await osys.calcPsf({ source: { wavelengths: LAM }, ...opts, onProgress: (x) => seen.push(x.done) });
  let d = 0;
  const peak = ref.peak();
  for (let i = 0; i < p.data.length; i++) d = Math.max(d, Math.abs(p.data[i]! - ref.data[i]!));
  t.ok(d / peak < 1e-12, `${name}: max difference ${(d / peak).toExponential(1)} of peak (${p.parallel?.mode}, ${p.parallel?.workers} workers)`);
  t.same(seen, [1, 2, 3, 4, 5, 6], `${name}: onProgress once per wavelength`);
}

t.test('threads and spawned processes give the same PSF as serial (1e-12), imaging and coronagraph', async (t) => {
  for (const [name, osys] of [
    ['imaging', imaging()],
    ['coronagraph', coronagraph()],
  ] as const) {
    await compare(t, `${name} threads`, osys, { parallel: 'threads', nProcesses: 2 });
    await compare(t, `${name} processes/spawn`, osys, { parallel: 'processes', startMethod: 'spawn', nProcesses: 2 });
    await compare(t, `${name} useMultiprocessing`, osys, { useMultiprocessing: true, nProcesses: 2 });
    await compare(t, `${name} auto`, osys, { parallel: 'auto' });
  }
  t.ok(poolPids().length >= 2, 'the spawn pool persists between calls');
});

t.test('fork: compute-only children agree with serial; refused after FFTW threads ran (real process)', async (t) => {
  // A fresh process whose BLAS never started threads (OpenBLAS starts its
  // pool at load unless told one thread), so the policy allows fork.
  const script = `
    const { OpticalSystem, CircularAperture, CircularOcculter, fft2Sync, blasInfo } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    (async () => {
      const out = {};
      for (const kind of ['imaging', 'coronagraph']) {
        const o = new OpticalSystem({ npix: 64, oversample: 2, propagation: 'fft' });
        o.addPupil(new CircularAperture({ radius: 1 }));
        if (kind === 'coronagraph') { o.addImage(new CircularOcculter({ radius: 0.3 })); o.addPupil(new CircularAperture({ radius: 0.8 })); }
        o.addDetector({ pixelscale: 0.02, fovPixels: 40 });
        const src = { wavelengths: ${JSON.stringify(LAM)} };
        const ref = await o.calcPsf({ source: src });
        const seen = [];
        const f = await o.calcPsf({ source: src, parallel: 'processes', startMethod: 'fork', nProcesses: 2, onProgress: (p) => seen.push(p.done) });
        let d = 0; const peak = ref.peak();
        for (let i = 0; i < f.data.length; i++) d = Math.max(d, Math.abs(f.data[i] - ref.data[i]));
        out[kind] = { rel: d / peak, seen, mode: f.parallel.mode + '/' + f.parallel.startMethod };
      }
      fft2Sync({ data: new Float64Array(2 * 512 * 512), shape: [512, 512] }, { threads: 2 });
      try {
        const o = new OpticalSystem({ npix: 32 }); o.addPupil(new CircularAperture({ radius: 1 })); o.addDetector({ pixelscale: 0.05, fovPixels: 8 });
        await o.calcPsf({ source: { wavelengths: [1e-6, 2e-6] }, parallel: 'processes', startMethod: 'fork', nProcesses: 1 });
        out.after = 'allowed';
      } catch (e) { out.after = e.code; }
      console.log(JSON.stringify(out));
    })();`;
  type Forked = { rel: number; mode: string; seen: number[] };
  const out = runNodeScript<{ imaging: Forked; coronagraph: Forked; after: string }>(t, script);
  for (const k of ['imaging', 'coronagraph'] as const) {
    t.ok(out[k].rel < 1e-12, `${k}: fork equals serial (${out[k].rel})`);
    t.equal(out[k].mode, 'processes/fork');
    t.same(
      [...out[k].seen].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6],
      `${k}: progress from the forked children`,
    );
  }
  t.equal(out.after, 'ERR_AIRY_FORK_AFTER_FFTW_THREADS', 'fork refused once FFTW threads have run in the process');
});

t.test('fork refused when the BLAS pool started at load, even after the thread count is lowered (real process)', async (t) => {
  const script = `
    const { OpticalSystem, CircularAperture, blasInfo, setBlasThreads } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    (async () => {
      const b = blasInfo();
      setBlasThreads(1);
      const o = new OpticalSystem({ npix: 32 }); o.addPupil(new CircularAperture({ radius: 1 })); o.addDetector({ pixelscale: 0.05, fovPixels: 8 });
      let verdict;
      try { await o.calcPsf({ source: { wavelengths: [1e-6, 2e-6] }, parallel: 'processes', startMethod: 'fork', nProcesses: 1 }); verdict = 'allowed'; } catch (e) { verdict = e.code; }
      console.log(JSON.stringify({ vendor: b.vendor, threading: b.threading, threads: b.threads, verdict, started: blasInfo().threadsStarted }));
    })();`;
  const env = { ...process.env };
  delete env.OPENBLAS_NUM_THREADS;
  delete env.OMP_NUM_THREADS;
  const out = runNodeScript<{ vendor: string; threading: string; threads: number; verdict: string; started: boolean }>(t, script, { env });
  if (out.vendor === 'openblas' && out.threading === 'pthreads' && out.threads > 1) {
    t.equal(out.started, true, 'the pool OpenBLAS started at load is remembered after setBlasThreads(1)');
    t.equal(out.verdict, 'ERR_AIRY_FORK_AFTER_BLAS_THREADS');
  } else {
    t.equal(
      out.verdict,
      out.started ? 'ERR_AIRY_FORK_AFTER_BLAS_THREADS' : 'allowed',
      `${out.vendor}/${out.threading}, ${out.threads} thread(s): verdict follows threadsStarted`,
    );
  }
});

t.test('a worker that dies fails the call naming the wavelength; the pool recovers', async (t) => {
  const osys = coronagraph(256, 4); // ~0.1 s per wavelength
  await osys.calcPsf({ source: { wavelengths: [1e-6, 1.1e-6] }, parallel: 'processes', nProcesses: 2 });
  const pids = poolPids();
  const run = osys.calcPsf({ source: { wavelengths: LAM.concat(LAM) }, parallel: 'processes', nProcesses: 2 });
  await new Promise((r) => setTimeout(r, 40));
  process.kill(pids[0]!, 'SIGKILL');
  await t.rejects(run, { code: 'ERR_AIRY_WORKER_DIED', message: /wavelength [\d.e-]+ m \(index \d+\): worker process \d+ killed by signal SIGKILL/ });
  const again = await osys.calcPsf({ source: { wavelengths: LAM }, parallel: 'processes', nProcesses: 2 });
  const ref = await osys.calcPsf({ source: { wavelengths: LAM } });
  // The surviving worker may still hold the failed call's queued wavelengths;
  // they must not write into the next call's results.
  t.ok(
    again.data.every((v, i) => Math.abs(v - ref.data[i]!) <= 1e-12 * ref.peak()),
    'the next call succeeds with the serial PSF',
  );
  t.notOk(poolPids().includes(pids[0]!), 'the dead worker was replaced');
});

t.test('an AbortSignal cancels promptly and leaves no orphan processes', async (t) => {
  const osys = coronagraph(256, 4);
  await osys.calcPsf({ source: { wavelengths: [1e-6, 1.1e-6] }, parallel: 'processes', nProcesses: 2 });
  const pids = poolPids();
  const ac = new AbortController();
  const t0 = performance.now();
  const run = osys.calcPsf({ source: { wavelengths: LAM.concat(LAM) }, parallel: 'processes', nProcesses: 2, signal: ac.signal });
  setTimeout(() => ac.abort(), 30);
  await t.rejects(run, { code: 'ABORT_ERR' });
  t.ok(performance.now() - t0 < 1000, `rejected ${(performance.now() - t0).toFixed(0)} ms after start`);
  await new Promise((r) => setTimeout(r, 100));
  t.same(pids.filter(running), [], 'the busy workers were killed');
});

t.test('concurrent processes-mode calls share the pool one after another; one aborted while waiting rejects at once', async (t) => {
  const a = imaging(256);
  const b = coronagraph(128, 2);
  const src = { source: { wavelengths: LAM } };
  const refA = await a.calcPsf(src);
  const refB = await b.calcPsf(src);
  await a.calcPsf({ ...src, parallel: 'processes', nProcesses: 2 }); // pool warm: the case that once hung
  const watchdog = new Promise((_r, reject) => setTimeout(() => reject(new Error('concurrent calls did not finish within 60 s')), 60_000).unref());
  const [pa, pb] = (await Promise.race([
    Promise.all([a.calcPsf({ ...src, parallel: 'processes', nProcesses: 2 }), b.calcPsf({ ...src, parallel: 'processes', nProcesses: 2 })]),
    watchdog,
  ])) as [Awaited<ReturnType<OpticalSystem['calcPsf']>>, Awaited<ReturnType<OpticalSystem['calcPsf']>>];
  const diff = (x: Float64Array, y: Float64Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
  t.ok(diff(pa.data, refA.data) <= 1e-12 * refA.peak(), 'first call: same PSF as serial');
  t.ok(diff(pb.data, refB.data) <= 1e-12 * refB.peak(), 'second call: same PSF as serial');

  const slow = coronagraph(256, 4);
  const ac = new AbortController();
  const first = slow.calcPsf({ source: { wavelengths: LAM.concat(LAM) }, parallel: 'processes', nProcesses: 2 });
  const queued = a.calcPsf({ ...src, parallel: 'processes', nProcesses: 2, signal: ac.signal });
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 20);
  await t.rejects(queued, { code: 'ABORT_ERR' });
  t.ok(performance.now() - t0 < 500, `the waiting call rejected ${(performance.now() - t0).toFixed(0)} ms after start, before the running one ended`);
  t.ok((await first).total() > 0, 'the running call is not disturbed');
  t.ok((await a.calcPsf({ ...src, parallel: 'processes', nProcesses: 2 })).total() > 0, 'the pool serves the next call');
});

t.test('threads mode without image planes (one native call): abort stops it between wavelengths; progress and result as serial', async (t) => {
  const o = new OpticalSystem({ npix: 1024, oversample: 1 });
  o.addPupil([new CircularAperture({ radius: 1 }), new SecondaryObscuration({ secondaryRadius: 0.2, nSupports: 3, supportWidth: 0.02 })]);
  o.addDetector({ pixelscale: 0.01, fovPixels: 160 });
  const many = Array.from({ length: 40 }, (_, i) => 1e-6 * (1 + i / 40));
  await o.calcPsf({ source: { wavelengths: many.slice(0, 2) }, parallel: 'threads', nProcesses: 2 });
  const ac = new AbortController();
  const seen: number[] = [];
  const t0 = performance.now();
  const run = o.calcPsf({ source: { wavelengths: many }, parallel: 'threads', nProcesses: 2, signal: ac.signal, onProgress: (p) => seen.push(p.done) });
  setTimeout(() => ac.abort(), 30);
  await t.rejects(run, { code: 'ABORT_ERR' });
  // Serial with single-threaded kernels (the seed's mode 1) does the same arithmetic as each thread.
  const blas = getBlasThreads();
  setBlasThreads(1);
  const full = await o.calcPsf({ source: { wavelengths: many.slice(0, 4) } });
  setBlasThreads(blas);
  t.ok(seen.length < many.length, `stopped after ${seen.length} of ${many.length} wavelengths, ${(performance.now() - t0).toFixed(0)} ms`);
  const again = await o.calcPsf({ source: { wavelengths: many.slice(0, 4) }, parallel: 'threads', nProcesses: 2, onProgress: (p) => seen.push(-p.done) });
  t.ok(
    again.data.every((v, i) => v === full.data[i]),
    'the next call gives the serial bits',
  );
  t.same(
    seen.filter((v) => v < 0).sort((a, b) => b - a),
    [-1, -2, -3, -4],
    'progress for every wavelength',
  );
});

t.test('a throwing onProgress fails the call in every mode, and the next call works', async (t) => {
  for (const [label, osys] of [
    ['imaging', imaging()],
    ['coronagraph', coronagraph()],
  ] as const) {
    for (const parallel of ['none', 'threads', 'processes'] as const) {
      await t.rejects(
        osys.calcPsf({
          source: { wavelengths: LAM },
          parallel,
          nProcesses: 2,
          onProgress: () => {
            throw new Error('progress callback failed');
          },
        }),
        /progress callback failed/,
        `${label}, ${parallel}`,
      );
      t.ok((await osys.calcPsf({ source: { wavelengths: LAM }, parallel, nProcesses: 2 })).total() > 0, `${label}, ${parallel}: next call`);
    }
  }
});

t.test('returnIntermediates needs the fields in this process', async (t) => {
  await t.rejects(
    imaging().calcPsf({ source: { wavelengths: LAM }, parallel: 'processes', returnIntermediates: true }),
    /returnIntermediates needs parallel 'none' or 'threads'/,
  );
  const p = await imaging().calcPsf({ source: { wavelengths: LAM }, parallel: 'threads', nProcesses: 2, returnIntermediates: true });
  t.equal(p.intermediates!.length, 6);
});

t.test('estimateOptimalNProcesses: cores, wavelengths and memory bound it', async (t) => {
  const osys = coronagraph(128, 4);
  t.equal(estimateOptimalNProcesses(osys, 1), 1, 'never more than the wavelengths');
  t.equal(estimateOptimalNProcesses(osys, 10, { cores: 64, availableBytes: 2 ** 40 }), 10);
  t.equal(estimateOptimalNProcesses(osys, 10, { cores: 4, availableBytes: 2 ** 40 }), 4, 'never more than the cores');
  const per = memoryModel(osys.workloadShape()).perProcess;
  t.equal(estimateOptimalNProcesses(osys, 10, { cores: 64, availableBytes: 3.5 * per, headroom: 0 }), 3, 'a low memory limit lowers the count');
  t.equal(estimateOptimalNProcesses(osys, 10, { cores: 64, availableBytes: 1 }), 1, 'at least one');
  t.throws(() => estimateOptimalNProcesses(osys, 0), /nWavelengths must be an integer/);
});

t.test('memory model vs the measured peak RSS of a worker (25%), imaging and coronagraph at k = 1, 2, 4', async (t) => {
  const dir = [path.join(__dirname, '..', '..', 'shared', 'bench'), path.join(__dirname, '..', 'benchmarks', 'workloads')].find((d) =>
    fs.existsSync(path.join(d, 'imaging.json')),
  )!;
  for (const name of ['imaging', 'coronagraph']) {
    for (const k of [1, 2, 4]) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
      j.oversample = k;
      j.planes[j.planes.length - 1].oversample = k;
      const osys = loadSystem(j);
      shutdownPool(); // a fresh worker, so its peak is this workload's
      const p = await osys.calcPsf({ source: { wavelengths: [2e-6] }, parallel: 'processes', nProcesses: 1 });
      const measured = p.parallel!.workerPeakRssBytes!;
      const model = memoryModel(osys.workloadShape()).perProcess;
      const ratio = measured / model;
      t.ok(
        ratio > 0.75 && ratio < 1.25,
        `${name} k=${k}: measured ${(measured / 2 ** 20).toFixed(0)} MB, model ${(model / 2 ** 20).toFixed(0)} MB (ratio ${ratio.toFixed(3)})`,
      );
    }
  }
});

t.test('concurrent calls on one system with different per-call options give the serial answers in every mode', async (t) => {
  const osys = coronagraph();
  const calls = [
    { normalize: 'first', parallel: 'processes' },
    { normalize: 'last', parallel: 'processes' },
    { normalize: 'exit_pupil', parallel: 'threads' },
    { normalize: 'none', parallel: 'none' },
  ] as const;
  const got = await Promise.all(calls.map((c) => osys.calcPsf({ source: { wavelengths: LAM }, nProcesses: 2, ...c })));
  for (const [k, c] of calls.entries()) {
    const ref = await osys.calcPsf({ source: { wavelengths: LAM }, normalize: c.normalize });
    t.ok(
      got[k]!.data.every((v, i) => Math.abs(v - ref.data[i]!) <= 1e-12 * ref.peak()),
      `${c.parallel}, normalize ${c.normalize}: serial answer`,
    );
  }
});
