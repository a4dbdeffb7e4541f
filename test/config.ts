import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { blasInfo, config, fft2, forgetWisdom, hasWisdom, mftSync } from '../lib/index';
import { resolve } from '../lib/config';

const INDEX = path.resolve(__dirname, '..', 'lib', 'index.ts');
t.afterEach(() => config.reset());

t.test('defaults, set and reset', async (t) => {
  t.equal(config.get('fftThreads'), 1);
  t.equal(config.get('fftwPlanner'), 'estimate');
  config.set({ fftThreads: 2, fftwPlanner: 'measure' });
  t.equal(config.get('fftThreads'), 2);
  t.equal(config.explain().fftThreads.source, 'set');
  config.reset('fftThreads');
  t.equal(config.get('fftThreads'), 1);
  t.equal(config.get('fftwPlanner'), 'measure');
  t.same(Object.keys(config.all()).sort(), [
    'autosaveWisdom',
    'blasThreads',
    'fftThreads',
    'fftwPlanner',
    'fftwWisdomFile',
    'nProcesses',
    'parallel',
    'precision',
    'startMethod',
    'useMultiprocessing',
  ]);
});

t.test('invalid values throw with the valid ones listed', async (t) => {
  t.throws(() => config.set({ fftwPlanner: 'quick' as 'measure' }), {
    name: 'RangeError',
    message: "config.fftwPlanner must be one of 'estimate', 'measure', 'patient', got \"quick\"",
  });
  t.throws(() => config.set({ fftwPlanner: 'hard' as 'measure' }), { message: /'estimate', 'measure', 'patient'/ });
  t.throws(() => config.set({ fftThreads: -1 }), { name: 'RangeError', message: /config\.fftThreads/ });
  t.throws(() => config.set({ bogus: 1 } as never), { name: 'RangeError', message: /unknown config key "bogus"; valid keys: fftThreads/ });
  t.throws(() => config.set({ autosaveWisdom: 'yes' as unknown as boolean }), { name: 'TypeError' });
  t.equal(config.get('fftwPlanner'), 'estimate', 'a failed set changes nothing');
});

t.test('resolution order: call > set > env > default', async (t) => {
  process.env.AIRY_FFT_THREADS = '3';
  try {
    t.equal(config.get('fftThreads'), 3, 'env over default');
    t.equal(config.explain().fftThreads.source, 'env');
    config.set({ fftThreads: 2 });
    t.equal(config.get('fftThreads'), 2, 'set over env');
    t.equal(resolve('fftThreads', 1), 1, 'call over set');
  } finally {
    delete process.env.AIRY_FFT_THREADS;
  }
});

t.test('a bad environment variable names itself', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `require(${JSON.stringify(INDEX)}).config.get('fftwPlanner')`], {
    env: { ...process.env, AIRY_FFTW_PLANNER: 'fastest' },
    encoding: 'utf8',
  });
  t.not(r.status, 0);
  t.match(r.stderr, /environment variable AIRY_FFTW_PLANNER must be one of 'estimate', 'measure', 'patient', got "fastest"/);
});

t.test('per-call options override config in the kernels', async (t) => {
  forgetWisdom();
  config.set({ fftwPlanner: 'measure' });
  const a = { data: new Float64Array(2 * 18 * 22), shape: [18, 22] as [number, number] };
  await fft2(a, { planner: 'estimate' });
  t.equal(hasWisdom([18, 22], { planner: 'measure' }), false, 'the call said estimate: nothing measured');
  await fft2(a);
  t.equal(hasWisdom([18, 22], { planner: 'measure' }), true, 'without a call value, config (measure) applies');
});

t.test('config.blasThreads is applied before GEMM work', async (t) => {
  if (!blasInfo().threadsSettable) return t.pass('this BLAS has a fixed thread count');
  const before = blasInfo().threads;
  config.set({ blasThreads: 1 });
  mftSync({ data: new Float64Array(32), shape: [4, 4] }, { nlamD: 2, npix: 2 });
  t.equal(blasInfo().threads, 1);
  config.set({ blasThreads: Math.max(1, before) });
  mftSync({ data: new Float64Array(32), shape: [4, 4] }, { nlamD: 2, npix: 2 });
  t.equal(blasInfo().threads, Math.max(1, before));
});
