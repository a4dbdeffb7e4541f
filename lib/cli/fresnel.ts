/** `airy psf` on a Fresnel system ("type": "fresnel"): FITS out, the same summary and progress. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FresnelCalcOptions, FresnelOpticalSystem } from '../fresnel/system';
import { loadFresnelSystem } from '../fresnel/load';
import { writeOutputs } from '../io/files';
import { shutdownPool } from '../run/pool';
import { handleInterrupts, interrupted } from './interrupt';
import { checkOutputs, psfOutputs } from './outputs';
import { datacubeCommand } from './datacube';
import type { PsfCommandOptions } from './psf';
import { wavelengthProgress } from './progress';
import { isBadInput, UsageError } from './usage';

/** Whether a system file holds a Fresnel system (bad JSON is left to the loaders to report). */
export function isFresnelFile(file: string): boolean {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as { type?: unknown };
    return v !== null && typeof v === 'object' && v.type === 'fresnel';
  } catch {
    return false;
  }
}

function load(file: string): FresnelOpticalSystem {
  try {
    return loadFresnelSystem({ file });
  } catch (e) {
    if (isBadInput(e)) throw new UsageError(`${file}: ${(e as Error).message}`);
    throw e;
  }
}

/** Options `airy psf` has only for Fraunhofer systems. */
const FRAUNHOFER_ONLY: (keyof PsfCommandOptions)[] = ['measure', 'jitter', 'chargeDiffusion', 'ipc'];

export async function fresnelPsfCommand(file: string, opts: PsfCommandOptions, out: string): Promise<void> {
  const bad = FRAUNHOFER_ONLY.filter((k) => opts[k] !== undefined && opts[k] !== false);
  if (bad.length)
    throw new UsageError(`${bad.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}: not available for Fresnel systems`);
  if (opts.normalize === 'exit_pupil') throw new UsageError("--normalize exit_pupil: not available for Fresnel systems (use 'first', 'last' or 'none')");
  checkOutputs([out, opts.png]);
  const osys = load(file);
  const calc: FresnelCalcOptions = {};
  if (opts.wavelength !== undefined) calc.wavelength = opts.wavelength;
  if (opts.wavelengths !== undefined) calc.source = { wavelengths: opts.wavelengths, ...(opts.weights ? { weights: opts.weights } : {}) };
  if (calc.wavelength === undefined && calc.source === undefined && !osys.defaultSource)
    throw new UsageError(`${file} has no "source": give --wavelength or --wavelengths`);
  if (opts.parallel) calc.parallel = opts.parallel;
  if (opts.nprocs !== undefined) calc.nProcesses = opts.nprocs;
  if (opts.startMethod) calc.startMethod = opts.startMethod;
  if (opts.normalize) calc.normalize = opts.normalize;
  if (opts.precision) calc.precision = opts.precision;
  if (opts.datacube) return datacubeCommand(osys, calc, out, opts);
  handleInterrupts();
  const bar = wavelengthProgress('psf', opts.quiet);
  const t0 = performance.now();
  let psf: Awaited<ReturnType<FresnelOpticalSystem['calcPsf']>>;
  try {
    psf = await osys.calcPsf({ ...calc, signal: interrupted, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
  } finally {
    bar.stop();
    await shutdownPool();
  }
  const seconds = (performance.now() - t0) / 1e3;
  await writeOutputs(psfOutputs(psf, out, opts.png, { decades: opts.decades }), interrupted);
  const summary = {
    fits: path.resolve(out),
    png: opts.png ? path.resolve(opts.png) : null,
    shape: psf.shape,
    pixelSize: psf.pixelscale,
    flux: psf.total(),
    peak: psf.peak(),
    seconds,
    precision: psf.header.PRECISION,
    parallel: psf.parallel,
  };
  if (opts.json) console.log(JSON.stringify(summary));
  else
    console.log(
      `${out}${opts.png ? ` + ${opts.png}` : ''}: Fresnel, shape ${psf.shape[0]}x${psf.shape[1]}, pixel ${(psf.pixelscale * 1e6).toPrecision(4)} µm, flux ${psf.total().toPrecision(6)}, peak ${psf.peak().toPrecision(4)}, time ${seconds.toFixed(3)} s, mode ${psf.parallel?.mode}, ${psf.header.PRECISION} precision`,
    );
}
