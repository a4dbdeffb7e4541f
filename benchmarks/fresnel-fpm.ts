// Focal-plane masks inside a Fresnel system: a 5f Lyot coronagraph (npix 256,
// oversample 2, 5 wavelengths) whose intermediate focus holds a 3 λ/D
// occulter sampled at λ/D/16 (a 115² array, dark beyond it as POPPY's
// element is). airy applies it by MFTs (mftSampling) serially and in
// threads; the brute force pads the whole system to oversample 16 so that the
// field's own grid samples the mask at λ/D/16 (one wavelength); POPPY's
// FixedSamplingImagePlaneElement runs the same system when AIRY_POPPY_SRC
// points at its source (benchmarks/poppy/fresnel_fpm.py). One run, one machine.
//
//   AIRY_POPPY_SRC=/path/to/poppy npm run bench:fresnel-fpm [-- --repeats 3 --json out.json]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ArrayOptic,
  CircularAperture,
  CircularOcculter,
  type Conventions,
  config,
  type FresnelCalcOptions,
  FresnelOpticalSystem,
  type MftSampling,
  type Optic,
  QuadraticLens,
  setBlasThreads,
  shutdownPool,
  SquareFieldStop,
} from '../lib/index';
import { arg, machineInfo, median, printMachine } from './machine';

const REPEATS = Number(arg('repeats', '3'));
const JSON_OUT = arg('json', '');
const W = { radius: 0.005, f: 1, npix: 256, oversample: 2, lambdaC: 1e-6, pixelLambdaD: 1 / 16, n: 115, crop: 65 };
const WAVELENGTHS = [0.9e-6, 0.95e-6, 1e-6, 1.05e-6, 1.1e-6];
const LAMD = (W.lambdaC * W.f) / (2 * W.radius); // metres at the focus

/** Opaque within 3 λc/D, the array POPPY's element takes (row-major, axis at the centre sample). */
function maskArray(): Float64Array {
  const t = new Float64Array(W.n * W.n);
  const c = (W.n - 1) / 2;
  for (let y = 0; y < W.n; y++) for (let x = 0; x < W.n; x++) t[y * W.n + x] = Math.hypot(x - c, y - c) * W.pixelLambdaD < 3 ? 0 : 1;
  return t;
}

function coronagraph(
  oversample: number,
  mask: Optic[],
  mftSampling?: MftSampling,
  pixelSize = LAMD / 2,
  conventions: Conventions = 'poppy',
): FresnelOpticalSystem {
  const fr = new FresnelOpticalSystem({ beamRadius: W.radius, npix: W.npix, oversample, conventions });
  fr.addOptic(new CircularAperture({ radius: W.radius }));
  fr.addOptic(new QuadraticLens({ focalLength: W.f }), { distance: W.f });
  fr.addOptic(mask, { distance: W.f, mftSampling });
  fr.addOptic(new QuadraticLens({ focalLength: W.f }), { distance: W.f });
  fr.addOptic([new CircularAperture({ radius: 0.8 * W.radius }), new QuadraticLens({ focalLength: W.f })], { distance: W.f });
  fr.addDetector({ pixelSize, fovPixels: W.crop, distance: W.f });
  return fr;
}

/** The mask as airy places it: metres, turned 180° to match POPPY's element (README, "Fresnel propagation"). */
function airyMask(): { mask: Optic; pitch: number } {
  const pitch = W.pixelLambdaD * LAMD;
  return { mask: new ArrayOptic({ transmission: maskArray().reverse(), shape: [W.n, W.n], pixelscale: pitch }), pitch };
}

async function time(label: string, threads: number, fr: FresnelOpticalSystem, opts: FresnelCalcOptions, repeats = REPEATS) {
  config.set({ fftThreads: threads, blasThreads: threads });
  setBlasThreads(threads);
  const runs: number[] = [];
  let data: Float64Array = new Float64Array(0);
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    data = (await fr.calcPsf(opts)).data;
    runs.push((performance.now() - t0) / 1e3);
  }
  return { label, seconds: median(runs), runs, data };
}

function poppy(pixelSize: number) {
  if (!process.env.AIRY_POPPY_SRC) return undefined;
  const spec = { ...W, wavelengths: WAVELENGTHS, repeats: REPEATS, transmission: Array.from(maskArray()) };
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'poppy', 'fresnel_fpm.py'), JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.log(`POPPY failed: ${r.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; numpy: string; first: { pixelSize: number; intensity: number[] } };
  if (Math.abs(out.first.pixelSize / pixelSize - 1) > 1e-9) console.log(`POPPY's final pitch ${out.first.pixelSize} differs from airy's ${pixelSize}`);
  return out;
}

const maxRel = (a: Float64Array, b: ArrayLike<number>) => {
  let m = 0;
  let p = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    p = Math.max(p, b[i]!);
  }
  return m / p;
};

async function main(): Promise<void> {
  const machine = machineInfo();
  printMachine(machine);
  const cores = machine.cores;
  const { mask, pitch } = airyMask();
  const sampling = { pixelSize: pitch, fovPixels: W.n };
  // The final focus at the pitch the propagation lands on, where POPPY leaves it.
  const landing = coronagraph(W.oversample, [mask], sampling).beamAt(WAVELENGTHS[0]!).at(-1)!.pixel;
  const source = { wavelengths: WAVELENGTHS };
  console.log(
    `\nFresnel Lyot coronagraph: npix ${W.npix} × oversample ${W.oversample}, a 3 λ/D mask at λ/D/16 (${W.n}² samples), ${WAVELENGTHS.length} wavelengths; median of ${REPEATS}`,
  );
  const serial = await time('airy mftSampling, serial (1 + 1 threads)', 1, coronagraph(W.oversample, [mask], sampling, landing), { source, parallel: 'none' });
  const threads = await time(`airy mftSampling, threads (${cores} lanes)`, 1, coronagraph(W.oversample, [mask], sampling, landing), {
    source,
    parallel: 'threads',
    nProcesses: cores,
  });
  // One wavelength each: the MFT step and the brute force at oversample 16 (a 4096² field).
  // Analytic masks (anti-aliased), so that both grids sample the same shapes.
  const one = { wavelength: WAVELENGTHS[0]!, parallel: 'none' as const };
  const shapes = () => [new CircularOcculter({ radius: 3 * LAMD }), new SquareFieldStop({ size: W.n * W.pixelLambdaD * LAMD })];
  const analytic = (oversample: number, s?: MftSampling) => coronagraph(oversample, shapes(), s, LAMD / 2, 'airy');
  const mftOne = await time('airy mftSampling, one wavelength', cores, analytic(W.oversample, { pixelSize: pitch }), one);
  const brute = await time('airy brute force at oversample 16, one wavelength', cores, analytic(16), one, 1);
  await shutdownPool();
  const peer = poppy(landing);
  const modes = [serial, threads];
  console.log('run                                              seconds   POPPY / airy');
  for (const m of modes)
    console.log(`${m.label.padEnd(48)} ${m.seconds.toFixed(3).padStart(7)}   ${peer ? (peer.seconds / m.seconds).toFixed(1).padStart(6) : '    -'}`);
  if (peer) console.log(`${`POPPY FixedSamplingImagePlaneElement (numpy ${peer.numpy})`.padEnd(48)} ${peer.seconds.toFixed(3).padStart(7)}`);
  const errBrute = maxRel(mftOne.data, brute.data);
  console.log(
    `\none wavelength (${cores} + ${cores} threads): MFT step ${mftOne.seconds.toFixed(3)} s, brute force ${brute.seconds.toFixed(2)} s (${(brute.seconds / mftOne.seconds).toFixed(0)}×); max difference ${errBrute.toExponential(2)} of the coronagraphic peak`,
  );
  let errPoppy: number | undefined;
  if (peer) {
    // POPPY scales its mask's pitch with its Gaussian-beam focus distance at each wavelength; at that pitch:
    const lam = WAVELENGTHS[0]!;
    const focus = coronagraph(W.oversample, []).beamAt(lam)[2]!.pixel;
    const poppyPitch = W.pixelLambdaD * (W.lambdaC / lam) * W.oversample * focus;
    const turned = new ArrayOptic({ transmission: maskArray().reverse(), shape: [W.n, W.n], pixelscale: poppyPitch });
    const first = await coronagraph(W.oversample, [turned], { pixelSize: poppyPitch, fovPixels: W.n }, landing).calcPsf({ wavelength: lam });
    errPoppy = maxRel(first.data, peer.first.intensity);
    console.log(
      `airy vs POPPY at ${(lam * 1e6).toFixed(2)} µm, the mask at POPPY's pitch (${(poppyPitch / pitch).toFixed(6)} λf/16D): ${errPoppy.toExponential(2)} of the coronagraphic peak`,
    );
  }
  await shutdownPool();
  if (JSON_OUT) {
    const strip = ({ data: _, ...m }: { data: Float64Array; label: string; seconds: number; runs: number[] }) => m;
    const out = {
      machine,
      date: new Date().toISOString(),
      modes: modes.map(strip),
      mftOne: strip(mftOne),
      brute: strip(brute),
      errBrute,
      poppy: peer && { seconds: peer.seconds, numpy: peer.numpy },
      errPoppy,
    };
    fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2));
    console.log(`\nresults written to ${JSON_OUT}`);
  }
}

void main();
