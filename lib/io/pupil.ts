/**
 * Pictures of a system's entrance pupil as airy samples it: the amplitude
 * (linear, 0 to 1) and the optical path difference (nm, from the field's
 * phase at one wavelength, so wrapped to ±λ/2).
 */
import type { OpticalSystem } from '../engine/system';
import type { Output } from './files';
import { psfToPng } from './picture';

/** The entrance pupil's amplitude (peak 1) and OPD (nm), its shape and pixel scale (m). */
export async function entrancePupil(osys: OpticalSystem, wavelength: number) {
  const psf = await osys.calcPsf({ wavelength, returnIntermediates: true, parallel: 'none' });
  const plane = psf.intermediates?.[0]?.find((p) => p.kind === 'pupil');
  if (!plane) throw new RangeError('the system has no pupil plane to draw');
  const n = plane.shape[0] * plane.shape[1];
  const amplitude = new Float64Array(n);
  const opd = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const re = plane.field[2 * k]!;
    const im = plane.field[2 * k + 1]!;
    amplitude[k] = Math.hypot(re, im);
    if (amplitude[k]! > 0) opd[k] = (Math.atan2(im, re) / (2 * Math.PI)) * wavelength * 1e9;
  }
  let peak = 0;
  for (const v of amplitude) if (v > peak) peak = v;
  if (peak > 0) for (let k = 0; k < n; k++) amplitude[k]! /= peak;
  return { amplitude, opd, shape: plane.shape, pixelscale: plane.pixelscale };
}

/** The outputs (for writeOutputs) drawing the pupil's amplitude and, if `opdFile` is given, its OPD. */
export async function pupilOutputs(osys: OpticalSystem, wavelength: number, file: string, opdFile?: string): Promise<Output[]> {
  const p = await entrancePupil(osys, wavelength);
  const title = (what: string) => `Entrance pupil ${what} (λ = ${(wavelength * 1e6).toPrecision(4)} µm, ${p.shape[1]}×${p.shape[0]} samples)`;
  const draw = (data: Float64Array, what: string, colourTitle: string) => (staging: string) =>
    psfToPng(staging, { data, shape: p.shape, pixelscale: p.pixelscale }, title(what), { stretch: 'linear', axisUnit: 'm', colourTitle });
  const outputs: Output[] = [{ file, what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: draw(p.amplitude, 'amplitude', 'amplitude') }];
  if (opdFile) outputs.push({ file: opdFile, what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: draw(p.opd, 'OPD', 'OPD (nm)') });
  return outputs;
}
