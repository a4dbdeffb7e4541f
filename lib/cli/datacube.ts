/** `airy psf --datacube`: one PSF per wavelength of a Fraunhofer or Fresnel system, written as a FITS cube. */
import * as path from 'node:path';
import type { Datacube } from '../io/datacube';
import { writeOutputs } from '../io/files';
import { handleInterrupts, interrupted } from './interrupt';
import { checkOutputs } from './outputs';
import { wavelengthProgress } from './progress';
import type { PsfCommandOptions } from './psf';
import { UsageError } from './usage';

/** Computes the cube of `osys` for `calc` and writes it to `out`, with progress, interrupts and the summary. */
export async function datacubeCommand<C extends object>(
  osys: { calcDatacube(o: C): Promise<Datacube> },
  calc: C,
  out: string,
  opts: PsfCommandOptions,
): Promise<void> {
  const other = (['png', 'measure', 'jitter', 'chargeDiffusion', 'ipc', 'weights'] as const).find((k) => opts[k] !== undefined);
  if (other) throw new UsageError(`--datacube writes one PSF per wavelength; it does not take --${other.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  checkOutputs([out]);
  handleInterrupts();
  const bar = wavelengthProgress('datacube', opts.quiet);
  const t0 = performance.now();
  let cube: Datacube;
  try {
    cube = await osys.calcDatacube({ ...calc, signal: interrupted, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - t0) / 1e3;
  await writeOutputs([{ file: out, what: 'FITS file', code: 'ERR_AIRY_FITS', write: (s) => cube.writeFits(s) }], interrupted);
  const [nz, ny, nx] = cube.shape;
  const metres = cube.header.PIXUNIT === 'm';
  const summary = {
    fits: path.resolve(out),
    shape: cube.shape,
    wavelengths: cube.wavelengths,
    [metres ? 'pixelSize' : 'pixelscale']: cube.pixelscale,
    seconds,
  };
  const pitch = metres ? `pixel ${(cube.pixelscale * 1e6).toPrecision(4)} µm` : `pixel scale ${cube.pixelscale.toPrecision(4)}″/px`;
  if (opts.json) console.log(JSON.stringify(summary));
  else console.log(`${out}: datacube of ${nz} wavelengths × ${ny}x${nx}, ${pitch}, time ${seconds.toFixed(3)} s`);
}
