// Bad input to the kernels, and sizes past the documented limits, throw a clear TypeError/RangeError naming the
// argument, and never crashes the process.
import t from 'tap';
import {
  CircularAperture,
  CompoundOptic,
  estimateOptimalNProcesses,
  fft2,
  fft2Sync,
  mft,
  mftSync,
  type Optic,
  OpticalSystem,
  opticFromJson,
} from '../lib/index';
import { native } from '../lib/binding';

const ok = () => ({ data: new Float64Array(2 * 4 * 4), shape: [4, 4] as [number, number] });

t.test('fft2 rejects malformed arrays, naming the argument', async (t) => {
  await t.rejects(fft2({ data: new Float64Array(10), shape: [4, 4] }), { name: 'RangeError', message: /a\.data has 10 elements but shape \[4, 4\] needs 32/ });
  await t.rejects(fft2({ data: new Int32Array(32) as unknown as Float64Array, shape: [4, 4] }), {
    name: 'TypeError',
    message: /a\.data must be a Float64Array or Float32Array, got Int32Array\(32\)/,
  });
  await t.rejects(fft2({ data: [1, 2] as unknown as Float64Array, shape: [1, 1] }), { name: 'TypeError', message: /a\.data/ });
  await t.rejects(fft2({ data: new Float64Array(32), shape: [4.5, 4] as [number, number] }), {
    name: 'RangeError',
    message: /a\.shape\[0\] must be an integer, got 4\.5/,
  });
  await t.rejects(fft2({ data: new Float64Array(0), shape: [0, 4] }), { name: 'RangeError', message: /a\.shape\[0\] must be an integer in \[1, / });
  await t.rejects(fft2({ data: new Float64Array(32), shape: [-4, -4] }), { name: 'RangeError', message: /a\.shape\[0\]/ });
  await t.rejects(fft2({ data: new Float64Array(32), shape: [4] as unknown as [number, number] }), {
    name: 'TypeError',
    message: /a\.shape must be \[ny, nx\]/,
  });
  await t.rejects(fft2(null as unknown as { data: Float64Array; shape: [number, number] }), { name: 'TypeError', message: /a must be an object/ });
  await t.rejects(fft2(ok(), { threads: 0 }), { name: 'RangeError', message: /options\.threads must be an integer in \[1, 1024\], got 0/ });
  await t.rejects(fft2(ok(), { planner: 'fast' as 'measure' }), {
    name: 'RangeError',
    message: /options\.planner must be one of 'estimate', 'measure', 'patient', got "fast"/,
  });
  t.throws(() => fft2Sync({ data: new Float64Array(3), shape: [1, 1] }), { name: 'RangeError' });
});

t.test('NaN or Infinity in the data is an error, never a silent NaN result', async (t) => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const a = ok();
    a.data[5] = bad;
    await t.rejects(fft2(a), { name: 'RangeError', message: /a\.data must contain only finite numbers/ }, `fft2 with ${bad}`);
    await t.rejects(mft(a, { nlamD: 2, npix: 3 }), { name: 'RangeError', message: /plane\.data must contain only finite numbers/ }, `mft with ${bad}`);
    const f32 = { data: Float32Array.from(a.data), shape: a.shape };
    t.throws(() => mftSync(f32, { nlamD: 2, npix: 3 }), { name: 'RangeError' }, `float32 mft with ${bad}`);
    t.throws(() => fft2Sync(f32), { name: 'RangeError' }, `float32 fft2 with ${bad}`);
  }
  const real = { data: new Float64Array(16), shape: [4, 4] as [number, number], real: true };
  real.data[3] = NaN;
  await t.rejects(mft(real, { nlamD: 2, npix: 3 }), { name: 'RangeError', message: /plane\.data/ });
});

// The finiteness check is fused into the scaling pass (native/vec.cc, built
// once per vector width and picked at load time): one bad value must fail the
// call wherever it falls (first, last, odd shapes whose length leaves a scalar
// tail), in either precision.
t.test('a single NaN or Infinity is found at any position and in either precision', (t) => {
  for (const [ny, nx] of [
    [64, 64],
    [37, 41],
  ] as const) {
    const len = 2 * ny * nx;
    for (const pos of [0, 1, 17, len >> 1, len - 3, len - 1]) {
      for (const Arr of [Float64Array, Float32Array]) {
        for (const bad of [NaN, Infinity]) {
          const data = new Arr(len).map((_, i) => Math.sin(i));
          data[pos] = bad;
          const what = `${Arr.name} ${ny}x${nx}, ${bad} at ${pos}`;
          t.throws(() => fft2Sync({ data, shape: [ny, nx] }), { name: 'RangeError', message: /a\.data must contain only finite numbers/ }, `fft2 ${what}`);
          t.throws(() => mftSync({ data, shape: [ny, nx] }, { nlamD: 4, npix: 9 }), { name: 'RangeError', message: /plane\.data/ }, `mft ${what}`);
        }
      }
    }
  }
  t.end();
});
t.test('mft rejects bad options, naming them', async (t) => {
  await t.rejects(mft(ok(), { nlamD: 4, npix: 3.5 }), { name: 'RangeError', message: /options\.npix must be an integer, got 3\.5/ });
  await t.rejects(mft(ok(), { nlamD: 4, npix: 0 }), { name: 'RangeError', message: /options\.npix/ });
  await t.rejects(mft(ok(), { nlamD: -1, npix: 8 }), { name: 'RangeError', message: /options\.nlamD must be greater than 0, got -1/ });
  await t.rejects(mft(ok(), { nlamD: NaN, npix: 8 }), { name: 'RangeError', message: /options\.nlamD must be finite, got NaN/ });
  await t.rejects(mft(ok(), { nlamD: Infinity, npix: 8 }), { name: 'RangeError', message: /options\.nlamD must be finite/ });
  await t.rejects(mft(ok(), { nlamD: [4, 0], npix: 8 }), { name: 'RangeError', message: /options\.nlamD\[1\] must be greater than 0/ });
  await t.rejects(mft(ok(), { npix: 8 } as never), { name: 'TypeError', message: /options\.nlamD is required/ });
  await t.rejects(mft(ok(), { nlamD: 4 } as never), { name: 'TypeError', message: /options\.npix is required/ });
  await t.rejects(mft(ok(), { nlamD: 4, npix: 8, centering: 'CENTERED' as 'FFTSTYLE' }), {
    name: 'RangeError',
    message: /options\.centering must be one of 'ADJUSTABLE', 'SYMMETRIC', 'FFTSTYLE'/,
  });
  await t.rejects(mft(ok(), { nlamD: 4, npix: 8, centering: 'FFTSTYLE', offset: [1, 1] }), {
    name: 'RangeError',
    message: /offset is only supported with ADJUSTABLE/,
  });
  await t.rejects(mft(ok(), { nlamD: 4, npix: 8, offset: [NaN, 0] }), { name: 'RangeError', message: /options\.offset\[0\] must be finite/ });
  await t.rejects(
    mft({ data: new Float64Array(16), shape: [4, 4], real: true }, { nlamD: 4, npix: 8 }).then(() => {
      throw new Error('x');
    }),
    /x/,
    'real plane of ny·nx values is accepted',
  );
  await t.rejects(mft({ data: new Float64Array(32), shape: [4, 4], real: true }, { nlamD: 4, npix: 8 }), {
    name: 'RangeError',
    message: /needs 16 \(one real value per pixel\)/,
  });
});

t.test('the native layer asserts its arguments too (no crash on a bad direct call)', async (t) => {
  const n = native();
  t.throws(() => n.fft2Sync(new Float64Array(8), { ny: 2, nx: 3 }), { name: 'RangeError', message: /data.*expected 12/ });
  t.throws(() => n.fft2Sync({} as Float64Array, { ny: 2, nx: 2 }), { name: 'TypeError' });
  t.throws(() => n.mftSync(new Float64Array(8), { ny: 2, nx: 2, npixY: -1, npixX: 2, nlamDY: 1, nlamDX: 1 }), { name: 'RangeError', message: /npixY/ });
  t.throws(() => n.mftSync(new Float64Array(8), { ny: 2, nx: 2, npixY: 2, npixX: 2, nlamDY: 1, nlamDX: 1, centering: 'MIDDLE' as never }), {
    name: 'RangeError',
    message: /centering/,
  });
  t.throws(() => n.fft2Sync(new Float64Array(8), { ny: 2, nx: 2, planner: 'hard' as never }), { name: 'RangeError', message: /planner/ });
});

t.test('results can be written into a caller-provided array', async (t) => {
  const a = { data: new Float64Array(2 * 6 * 6).map((_, i) => Math.cos(i)), shape: [6, 6] as [number, number] };
  const out = new Float64Array(72);
  const r = await fft2(a, { out });
  t.equal(r.data, out, 'same array returned');
  t.same(Array.from(out), Array.from(fft2Sync(a).data));
  const mo = new Float64Array(2 * 5 * 5);
  t.equal(mftSync(a, { nlamD: 3, npix: 5, out: mo }).data, mo);
  await t.rejects(fft2(a, { out: new Float32Array(72) as unknown as Float64Array }), {
    name: 'TypeError',
    message: /options\.out must be a Float64Array like the input, got Float32Array\(72\)/,
  });
  await t.rejects(fft2(a, { out: new Float64Array(10) }), { name: 'RangeError', message: /options\.out has 10 elements, expected 72/ });
  await t.rejects(fft2(a, { out: a.data }), { name: 'RangeError', message: /must not overlap/ });
});

t.test('sizes past the documented limits fail before anything is allocated, naming the argument', async (t) => {
  const o = new OpticalSystem({ npix: 32 });
  o.addPupil(new CircularAperture({ radius: 1 }));
  t.throws(() => o.addDetector({ pixelscale: 0.01, fovPixels: 65536, oversample: 64 }), {
    name: 'RangeError',
    message: /planes\[1\]: fovPixels × oversample = 65536 × 64 .* at most 16384/,
  });
  t.throws(() => o.addDetector({ pixelscale: 1e-9, fovArcsec: 1 }), { name: 'RangeError', message: /fovPixels|fovArcsec/ });
  o.addDetector({ pixelscale: 0.1, fovPixels: 4 });
  const many = new Array(100_001).fill(1e-6);
  await t.rejects(o.calcPsf({ source: { wavelengths: many, weights: many.map(() => 1) } }), {
    name: 'RangeError',
    message: /source\.wavelengths has 100001 entries; at most 100000/,
  });
  await t.rejects(mft({ data: new Float64Array(32), shape: [4, 4] }, { nlamD: 10, npix: [1e6, 1e6] }), /options\.npix\[0\] must be an integer in \[1, 65536\]/);
  await t.rejects(
    mft({ data: new Float64Array(32), shape: [4, 4] }, { nlamD: 10, npix: [65536, 65536] }),
    /65536 × 65536 is 4294967296 output samples; at most 67108864/,
  );
  let c: Optic = new CircularAperture({ radius: 1 });
  for (let i = 0; i < 32; i++) c = new CompoundOptic({ optics: [c] });
  t.throws(() => new CompoundOptic({ optics: [c] }), { name: 'RangeError', message: /compound optics nest more than 32 deep/ });
  let json: object = { type: 'CircularAperture', radius: 1 };
  for (let i = 0; i < 10_000; i++) json = { type: 'CompoundOptic', optics: [json] };
  t.throws(
    () => opticFromJson(json, 'planes[0].optics[0]'),
    { name: 'RangeError', message: /nest more than 32 deep/ },
    'deep JSON stops at the limit, not at the stack',
  );
});

t.test('unknown options of the kernels and helpers are named, not ignored', async (t) => {
  await t.rejects(fft2(ok(), { invrse: true } as never), {
    name: 'RangeError',
    message: /options\.invrse is not an option \(known: inverse, threads, planner, out\)/,
  });
  t.throws(() => fft2Sync(ok(), { thread: 2 } as never), /options\.thread is not an option/);
  await t.rejects(mft(ok(), { nlamD: 4, npix: 4, centring: 'SYMMETRIC' } as never), /options\.centring is not an option \(known: nlamD, npix, centering/);
  const o = new OpticalSystem({ npix: 32 });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addDetector({ pixelscale: 0.1, fovPixels: 4 });
  t.throws(() => estimateOptimalNProcesses(o, 4, { core: 2 } as never), /options\.core is not an option \(known: availableBytes, cores, headroom\)/);
});
