// The runners of lib/run: every parallel mode fails the same way for the same
// failure, and a coronagraph in threads mode runs as one native batch.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CircularAperture, CircularOcculter, OpticalSystem } from '../lib/index';
import { native } from '../lib/binding';

t.test('the same error, code and named wavelength in every mode: non-finite result, bad optic, abort, killed worker', async (t) => {
  const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, 'helpers', 'error-matrix.ts')], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const named = /^wavelength [\d.e-]+ m \(index \d+\): /;
  for (const mode of ['none', 'threads', 'spawn', 'fork']) {
    const m = out[mode];
    t.equal(m.nonfinite.code, 'ERR_AIRY_NONFINITE', `${mode}: non-finite result`);
    t.match(m.nonfinite.message, named, `${mode}: the wavelength is named`);
    t.match(m.badOptic, { message: /ArrayOptic\.transmission\[0\]\[1\] must be finite/ }, `${mode}: bad optic`);
    t.equal(m.abort.code, 'ABORT_ERR', `${mode}: abort`);
    if (mode === 'spawn' || mode === 'fork') {
      t.equal(m.killed.code, 'ERR_AIRY_WORKER_DIED', `${mode}: killed worker`);
      t.match(m.killed.message, named, `${mode}: killed worker names the wavelength`);
      t.equal(m.after.message, 'resolved', `${mode}: the next call works`);
    }
  }
});

t.test('a coronagraph in threads mode computes all its wavelengths in one native call', async (t) => {
  const o = new OpticalSystem({ npix: 64, oversample: 4, propagation: 'fft' });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addImage(new CircularOcculter({ radius: 0.1 }));
  o.addPupil(new CircularAperture({ radius: 0.9 }));
  o.addDetector({ pixelscale: 0.01, fovPixels: 40 });
  const proto = native().NativeSystem.prototype as { computeWaves: (...a: unknown[]) => Promise<unknown> };
  const original = proto.computeWaves;
  const calls: number[] = [];
  proto.computeWaves = function (this: unknown, ...a: unknown[]) {
    calls.push((a[0] as unknown[]).length);
    return original.apply(this, a);
  };
  t.teardown(() => {
    proto.computeWaves = original;
  });
  const lam = [1e-6, 1.05e-6, 1.1e-6, 1.15e-6, 1.2e-6, 1.25e-6];
  const psf = await o.calcPsf({ source: { wavelengths: lam }, parallel: 'threads', nProcesses: 2 });
  t.same(calls, [6], 'one native batch of 6 wavelengths');
  t.equal(psf.parallel?.mode, 'threads');
  const serial = await o.calcPsf({ source: { wavelengths: lam } });
  t.same(calls, [6, 6], 'serial is one batch too (one lane)');
  t.ok(
    psf.data.every((v, i) => Math.abs(v - serial.data[i]!) <= 1e-12 * serial.peak()),
    'threads equal serial (1e-12 of peak)',
  );
});
