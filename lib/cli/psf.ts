/** `airy psf` and `airy demo`: PSFs of JSON systems, written as FITS and PNG. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParallelMode, Precision, StartMethod } from '../config';
import type { CalcPsfOptions, Normalize, OpticalSystem } from '../engine/system';
import type { DetectorEffects, Psf } from '../io/psf';
import { writeOutputs } from '../io/files';
import { loadSystem } from '../io/load';
import { pupilOutputs } from '../io/pupil';
import { shutdownPool } from '../run/pool';
import { fresnelPsfCommand, isFresnelFile } from './fresnel';
import { handleInterrupts, interrupted } from './interrupt';
import { measure, type Measurements } from './measure';
import { datacubeCommand } from './datacube';
import { checkOutputs, psfOutputs } from './outputs';
import { wavelengthProgress } from './progress';
import { isBadInput, UsageError } from './usage';

function summary(psf: Psf, seconds: number): string {
  const p = psf.parallel ?? { mode: 'none', workers: 1, startMethod: 'spawn' };
  return `shape ${psf.shape[0]}x${psf.shape[1]}, pixel scale ${psf.pixelscale.toPrecision(4)}″/px, flux ${psf.total().toPrecision(6)}, peak ${psf.peak().toPrecision(4)}, time ${seconds.toFixed(3)} s, mode ${p.mode}${p.mode === 'processes' ? `/${p.startMethod}` : ''}, workers ${p.workers}, ${psf.header.PRECISION ?? 'double'} precision`;
}

function shortMeasurements(m: Measurements): string {
  const w = m.fwhm.profile ?? m.fwhm.fit;
  const r = m.radiusAtEe.map((e) => `r${Math.round(e.fraction * 100)} ${e.radius.toPrecision(4)}″`).join(', ');
  return `FWHM ${w === null ? 'n/a' : `${w.toPrecision(4)}″`}, ${r}`;
}

function loadSystemFile(file: string): OpticalSystem {
  try {
    return loadSystem({ file });
  } catch (e) {
    if (isBadInput(e)) throw new UsageError(`${file}: ${(e as Error).message}`);
    throw e;
  }
}

async function computeWithProgress(osys: OpticalSystem, calc: CalcPsfOptions, label: string, quiet?: boolean): Promise<{ psf: Psf; seconds: number }> {
  const bar = wavelengthProgress(label, quiet);
  const t0 = performance.now();
  try {
    const psf = await osys.calcPsf({ ...calc, signal: interrupted, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
    return { psf, seconds: (performance.now() - t0) / 1e3 };
  } finally {
    bar.stop();
  }
}

/** Options of `airy psf`. */
export interface PsfCommandOptions {
  output?: string;
  png?: string;
  wavelength?: number;
  wavelengths?: number[];
  weights?: number[];
  parallel?: ParallelMode;
  nprocs?: number;
  startMethod?: StartMethod;
  normalize?: Normalize;
  precision?: Precision;
  decades?: number;
  json?: boolean;
  measure?: boolean;
  jitter?: number;
  chargeDiffusion?: number;
  ipc?: number;
  datacube?: boolean;
  quiet?: boolean;
}

/** The detector effects the options ask for, or undefined. */
function effectsOf(opts: PsfCommandOptions): DetectorEffects | undefined {
  const e: DetectorEffects = {};
  if (opts.jitter !== undefined) e.jitter = { sigma: opts.jitter };
  if (opts.chargeDiffusion !== undefined) e.chargeDiffusion = { sigma: opts.chargeDiffusion };
  if (opts.ipc !== undefined) e.ipc = { alpha: opts.ipc };
  return Object.keys(e).length ? e : undefined;
}

export async function psfCommand(file: string, opts: PsfCommandOptions): Promise<void> {
  if (!fs.existsSync(file)) throw new UsageError(`system file ${file} does not exist`);
  if (isFresnelFile(file)) return fresnelPsfCommand(file, opts, opts.output || `${path.basename(file, path.extname(file))}.fits`);
  const osys = loadSystemFile(file);
  const calc: CalcPsfOptions = {};
  if (opts.wavelength !== undefined && opts.wavelengths !== undefined) throw new UsageError('give --wavelength or --wavelengths, not both');
  if (opts.weights !== undefined && opts.wavelengths === undefined) throw new UsageError('--weights needs --wavelengths');
  if (opts.wavelength !== undefined) calc.wavelength = opts.wavelength;
  if (opts.wavelengths !== undefined) calc.source = { wavelengths: opts.wavelengths, ...(opts.weights ? { weights: opts.weights } : {}) };
  if (opts.parallel) calc.parallel = opts.parallel;
  if (opts.nprocs !== undefined) calc.nProcesses = opts.nprocs;
  if (opts.startMethod) calc.startMethod = opts.startMethod;
  if (opts.normalize) calc.normalize = opts.normalize;
  if (opts.precision) calc.precision = opts.precision;
  if (calc.wavelength === undefined && calc.source === undefined && !osys.defaultSource) {
    throw new UsageError(`${file} has no "source": give --wavelength or --wavelengths`);
  }
  const out = opts.output || `${path.basename(file, path.extname(file))}.fits`;
  if (opts.datacube) return datacubeCommand(osys, calc, out, opts);
  checkOutputs([out, opts.png]);
  handleInterrupts();
  const effects = effectsOf(opts);
  const computed = await computeWithProgress(osys, calc, 'psf', opts.quiet);
  const seconds = computed.seconds;
  let psf = computed.psf;
  try {
    if (effects) psf = psf.withDetectorEffects(effects);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  await writeOutputs(psfOutputs(psf, out, opts.png, { decades: opts.decades }), interrupted);
  if (opts.json) {
    console.log(
      JSON.stringify({
        fits: path.resolve(out),
        png: opts.png ? path.resolve(opts.png) : null,
        shape: psf.shape,
        pixelscale: psf.pixelscale,
        flux: psf.total(),
        peak: psf.peak(),
        seconds,
        precision: psf.header.PRECISION,
        parallel: psf.parallel,
        imagePlanes: psf.imagePlanes,
        ...(opts.measure ? { measurements: measure(psf.image()) } : {}),
      }),
    );
  } else {
    const extra = opts.measure ? `, ${shortMeasurements(measure(psf.image()))}` : '';
    console.log(`${out}${opts.png ? ` + ${opts.png}` : ''}: ${summary(psf, seconds)}${extra}`);
  }
}

/** `airy pupil`: pictures of a system's entrance pupil. */
export async function pupilCommand(file: string, opts: { output?: string; opd?: string }): Promise<void> {
  if (!fs.existsSync(file)) throw new UsageError(`system file ${file} does not exist`);
  const osys = loadSystemFile(file);
  const out = opts.output || `${path.basename(file, path.extname(file))}-pupil.png`;
  checkOutputs([out, opts.opd]);
  handleInterrupts();
  await writeOutputs(pupilOutputs(osys, out, opts.opd), interrupted);
  console.log(`${out}${opts.opd ? ` + ${opts.opd}` : ''}: entrance pupil, ${osys.npix}×${osys.npix} samples`);
}

/** The demo's systems: an obscured 6.5 m telescope and a Lyot coronagraph on it. */
function demoSystems() {
  const telescope = [
    { type: 'CircularAperture', radius: 3.25 },
    { type: 'SecondaryObscuration', secondaryRadius: 0.4, nSupports: 3, supportWidth: 0.1, supportAngleOffset: 0 },
  ];
  const source = { wavelengths: [1.9e-6, 1.95e-6, 2.0e-6, 2.05e-6, 2.1e-6], weights: [1, 1, 1, 1, 1] };
  const detector = { kind: 'detector', pixelscale: 0.0311, fovArcsec: 4, oversample: 4 };
  return [
    {
      name: 'telescope',
      title: 'Obscured 6.5 m telescope',
      system: { npix: 512, oversample: 1, planes: [{ kind: 'pupil', optics: telescope }, detector], source, normalize: 'first' },
    },
    {
      name: 'coronagraph',
      title: 'Lyot coronagraph (0.4″ spot, 3.0 m Lyot stop)',
      system: {
        npix: 512,
        oversample: 4,
        source,
        normalize: 'first',
        planes: [
          { kind: 'pupil', optics: telescope },
          { kind: 'image', optics: [{ type: 'CircularOcculter', radius: 0.4 }] },
          { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 3.0 }] },
          detector,
        ],
      },
    },
  ];
}

export async function demoCommand(opts: { out: string; parallel?: ParallelMode; quiet?: boolean }): Promise<void> {
  const dir = path.resolve(opts.out);
  fs.mkdirSync(dir, { recursive: true });
  handleInterrupts();
  console.log(`airy demo: polychromatic PSFs (5 wavelengths, 1.9-2.1 µm) into ${dir}`);
  for (const d of demoSystems()) {
    const osys = loadSystem(d.system);
    const { psf, seconds } = await computeWithProgress(osys, opts.parallel ? { parallel: opts.parallel } : {}, d.name, opts.quiet);
    const fits = path.join(dir, `${d.name}.fits`);
    const png = path.join(dir, `${d.name}.png`);
    await writeOutputs(psfOutputs(psf, fits, png, { title: d.title, subtitle: psf.describe().replace(/^PSF: /, '') }), interrupted);
    console.log(`  ${d.name.padEnd(12)} ${path.relative(process.cwd(), fits) || fits}, ${path.relative(process.cwd(), png) || png}: ${summary(psf, seconds)}`);
  }
  shutdownPool();
}
