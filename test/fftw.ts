import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { config, fft2, fftwInfo, forgetWisdom, hasWisdom, loadWisdom, saveWisdom } from '../lib/index';
import { randomComplex } from './helpers/arrays';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-wisdom-'));
t.teardown(() => {
  config.reset();
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('fftwInfo reports the linked FFTW', async (t) => {
  const f = fftwInfo();
  t.match(f.version, /^fftw-3\./);
  t.equal(f.threadsAvailable, true);
  t.equal(f.planner, 'estimate');
});

t.test('wisdom file round trip', async (t) => {
  const file = path.join(dir, 'w1');
  forgetWisdom();
  const shape: [number, number] = [60, 36];
  t.equal(hasWisdom(shape, { planner: 'measure' }), false, 'no wisdom after forget');
  await fft2({ data: randomComplex(60, 36), shape }, { planner: 'measure' });
  t.equal(hasWisdom(shape, { planner: 'measure' }), true, 'measure-planning creates wisdom');
  saveWisdom(file);
  t.match(fs.readFileSync(file, 'utf8'), /^airy-fftw-wisdom 1\ndouble \d+\n\(fftw-3/, 'file holds double-precision wisdom');
  t.same(fs.readdirSync(dir), ['w1'], 'atomic write leaves no temporary file');
  forgetWisdom();
  t.equal(hasWisdom(shape, { planner: 'measure' }), false, 'forgotten');
  t.equal(loadWisdom(file), true, 'loaded');
  t.equal(hasWisdom(shape, { planner: 'measure' }), true, 'wisdom restored from the file');
  t.equal(loadWisdom(path.join(dir, 'missing')), false, 'a missing file is not an error');
});

t.test('single-precision wisdom travels in the same file', async (t) => {
  const file = path.join(dir, 'w2');
  forgetWisdom();
  await fft2({ data: Float32Array.from(randomComplex(20, 28)), shape: [20, 28] }, { planner: 'measure' });
  saveWisdom(file);
  forgetWisdom();
  loadWisdom(file);
  t.equal(hasWisdom([20, 28], { planner: 'measure', precision: 'single' }), true);
});

t.test('corrupt wisdom is a clear error', async (t) => {
  const file = path.join(dir, 'bad');
  fs.writeFileSync(file, 'not wisdom');
  t.throws(() => loadWisdom(file), { code: 'ERR_AIRY_WISDOM_INVALID', message: /not an airy FFTW wisdom file/ });
  fs.writeFileSync(file, 'airy-fftw-wisdom 1\ndouble 999\n(fftw');
  t.throws(() => loadWisdom(file), { code: 'ERR_AIRY_WISDOM_INVALID' });
  t.throws(() => saveWisdom(''), { name: 'RangeError', message: /no wisdom file/ });
});

t.test('autosave: the configured file is loaded on first use and saved after new plans', async (t) => {
  const file = path.join(dir, 'auto');
  forgetWisdom();
  config.set({ fftwWisdomFile: file, autosaveWisdom: true, fftwPlanner: 'measure' });
  await fft2({ data: randomComplex(44, 20), shape: [44, 20] });
  t.ok(fs.existsSync(file), 'saved after planning');
  // A fresh process with the same settings plans from the file.
  const script = `
    const a = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib', 'index.ts'))});
    a.config.set({ fftwWisdomFile: ${JSON.stringify(file)}, fftwPlanner: 'measure' });
    a.fft2Sync({ data: new Float64Array(2 * 44 * 20), shape: [44, 20] });
    console.log(JSON.stringify(a.hasWisdom([44, 20], { planner: 'measure' })));`;
  const before = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    const a = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib', 'index.ts'))});
    console.log(JSON.stringify(a.hasWisdom([44, 20], { planner: 'measure' })));`,
    ],
    { encoding: 'utf8' },
  );
  t.equal(before.stdout.trim(), 'false', 'a fresh process has no wisdom of its own');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'true', 'wisdom came from the file');
  config.set({ autosaveWisdom: false });
  const mtime = fs.statSync(file).mtimeMs;
  await fft2({ data: randomComplex(10, 10), shape: [10, 10] });
  t.equal(fs.statSync(file).mtimeMs, mtime, 'no save with autosave off');
  config.reset();
});

t.test('autosave never fails a computed call: unreadable or unwritable wisdom becomes a warning', async (t) => {
  const warnings: { name: string; code?: string; message: string }[] = [];
  const listen = (w: Error & { code?: string }) => warnings.push({ name: w.name, code: w.code, message: w.message });
  process.on('warning', listen);
  t.teardown(() => {
    process.off('warning', listen);
    config.reset();
  });
  // A regular file where the wisdom file's directory should be.
  const blocker = path.join(dir, 'not-a-directory');
  fs.writeFileSync(blocker, 'x');
  const file = path.join(blocker, 'wisdom.txt');
  t.throws(() => saveWisdom(file), { code: 'ERR_AIRY_WISDOM_WRITE', message: /cannot make its directory/ }, 'an explicit save names the directory');
  forgetWisdom();
  config.set({ fftwWisdomFile: file, autosaveWisdom: true, fftwPlanner: 'measure' });
  const r = await fft2({ data: randomComplex(12, 12, 4), shape: [12, 12] });
  t.equal(r.data.length, 2 * 144, 'the transform is returned');
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  const write = warnings.find((w) => w.code === 'ERR_AIRY_WISDOM_WRITE');
  t.match(write, { name: 'AiryWarning', message: /autosave.*cannot make its directory/ }, 'the failed save is a warning');
  await fft2({ data: randomComplex(13, 13, 6), shape: [13, 13] }); // new plans, the same failure
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(warnings.filter((w) => w.code === 'ERR_AIRY_WISDOM_WRITE').length, 1, 'warned once per message');
  // A corrupt wisdom file is read once, warned about, and planning goes on.
  const corrupt = path.join(dir, 'corrupt-wisdom.txt');
  fs.writeFileSync(corrupt, 'not wisdom');
  config.set({ fftwWisdomFile: corrupt });
  const s = await fft2({ data: randomComplex(14, 14, 5), shape: [14, 14] });
  t.equal(s.data.length, 2 * 196);
  await new Promise((resolve) => setImmediate(resolve));
  t.ok(
    warnings.some((w) => w.code === 'ERR_AIRY_WISDOM_INVALID'),
    'a corrupt file is a warning, not a failed call',
  );
});
