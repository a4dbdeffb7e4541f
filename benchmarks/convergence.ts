// Convergence of coronagraph PSFs with the image-plane sampling.
//
// 1. Mask study: Lyot-style systems (a circular 2 m pupil, npix 256, a mask,
//    a 0.9 Lyot stop, λ = 1 µm) by the padded FFT at oversample k (mask
//    sampled at λ/(D·k)), by MFT boxes with sampled masks at q per λ/D, and
//    with analytic masks, each against the analytic model at q = 16.
// 2. Defaults: the standard coronagraph (benchmarks/workloads, one
//    wavelength) and the Lyot, bar and field-stop examples at their default
//    settings, against the same model at 4× the default sampling and against
//    sampled masks at a far finer sampling.
//
//   npm run bench:convergence
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSystem, type Psf } from '../lib/index';
import { workload } from './machine';

const MASKS: Record<string, object> = {
  'occulter 0.1″': { type: 'CircularOcculter', radius: 0.1 },
  'occulter 0.4″': { type: 'CircularOcculter', radius: 0.4 },
  'field stop 1″': { type: 'SquareFieldStop', size: 1.0 },
  'annulus 0.2–0.6″': { type: 'AnnularFieldStop', radiusInner: 0.2, radiusOuter: 0.6 },
};

type Json = Record<string, unknown>;

function lyot(mask: object, extra: Json): Json {
  return {
    npix: 256,
    oversample: 2,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'image', optics: [mask] },
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 0.9 }] },
      { kind: 'detector', pixelscale: 0.01, fovArcsec: 1.5, oversample: 1 },
    ],
    ...extra,
  };
}

const psf = (j: Json, wavelength?: number): Promise<Psf> => loadSystem(j).calcPsf(wavelength ? { wavelength } : {});

/** max |a − ref| / max(ref). */
function maxError(a: Psf, ref: Psf): number {
  let d = 0;
  let peak = 0;
  for (let i = 0; i < ref.data.length; i++) {
    d = Math.max(d, Math.abs(a.data[i]! - ref.data[i]!));
    peak = Math.max(peak, ref.data[i]!);
  }
  return d / peak;
}

const cell = (x: number) => x.toExponential(1).padStart(9);

async function maskStudy(): Promise<void> {
  const ks = [2, 4, 8, 16];
  const sampled = [4, 16, 64, 256];
  const analytic = [3, 4, 8];
  console.log('1. max |PSF − reference| / reference peak; reference: analytic masks at q = 16');
  const head = [...ks.map((k) => `fft k=${k}`), ...sampled.map((q) => `smp q=${q}`), ...analytic.map((q) => `ana q=${q}`)];
  console.log(`| mask | ${head.join(' | ')} |`);
  console.log(`|---|${head.map(() => '---').join('|')}|`);
  for (const [name, mask] of Object.entries(MASKS)) {
    const ref = await psf(lyot(mask, { propagation: 'mft', maskModel: 'analytic', maskSampling: 16 }), 1e-6);
    const row: number[] = [];
    for (const k of ks) row.push(maxError(await psf(lyot(mask, { propagation: 'fft', oversample: k }), 1e-6), ref));
    for (const q of sampled) row.push(maxError(await psf(lyot(mask, { propagation: 'mft', maskModel: 'sampled', maskSampling: q }), 1e-6), ref));
    for (const q of analytic) row.push(maxError(await psf(lyot(mask, { propagation: 'mft', maskModel: 'analytic', maskSampling: q }), 1e-6), ref));
    console.log(`| ${name} | ${row.map(cell).join(' | ')} |`);
  }
}

const example = (name: string): Json => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', `${name}.json`), 'utf8'));

async function defaults(): Promise<void> {
  const standard = workload('coronagraph', 1);
  delete standard.propagation;
  standard.source = { wavelengths: [2e-6], weights: [1] };
  const systems: [string, Json, number][] = [
    ['standard coronagraph, λ = 2 µm', standard, 256],
    ['examples/lyot-coronagraph', example('lyot-coronagraph'), 512],
    ['examples/bar-occulter', example('bar-occulter'), 128],
    ['examples/field-stops', example('field-stops'), 128],
  ];
  console.log('\n2. default settings: max |PSF − reference| / reference peak');
  console.log('| system | default | vs 4× sampling | vs sampled at fine q | padded FFT (file oversample) |');
  console.log('|---|---|---|---|---|');
  for (const [name, j, fine] of systems) {
    const t0 = performance.now();
    const def = await psf(j);
    const seconds = (performance.now() - t0) / 1000;
    const plane = def.imagePlanes![0]!;
    const finer = await psf({ ...j, maskSampling: 4 * plane.sampling, maskModel: plane.model });
    const ref = await psf({ ...j, propagation: 'mft', maskModel: 'sampled', maskSampling: fine });
    const fft = await psf({ ...j, propagation: 'fft' });
    const what = `${plane.method} ${plane.model} q=${plane.sampling}, ${seconds.toFixed(2)} s`;
    console.log(`| ${name} | ${what} | ${cell(maxError(def, finer))} | ${cell(maxError(def, ref))} (q=${fine}) | ${cell(maxError(fft, ref))} |`);
  }
}

async function main(): Promise<void> {
  await maskStudy();
  await defaults();
}
void main();
