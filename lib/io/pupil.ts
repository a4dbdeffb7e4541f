/**
 * Pictures of a system's entrance pupil as airy samples it: the amplitude
 * (linear, 0 to 1) and the optical path difference (nm, unwrapped: the
 * optics' OPD itself, not the phase of a field).
 */
import type { OpticalSystem } from '../engine/system';
import { samplePlane } from '../optics';
import type { Output } from './files';
import { psfToPng } from './picture';

/** The entrance pupil's amplitude (peak 1) and OPD (nm), its shape and pixel scale (m), as the propagation samples it. */
export function entrancePupil(osys: OpticalSystem) {
  // Leading pupil planes are conjugate: their optics multiply.
  const end = osys.planes.findIndex((p) => p.kind !== 'pupil');
  const leading = end < 0 ? osys.planes : osys.planes.slice(0, end);
  const optics = leading.flatMap((p) => (p.kind === 'pupil' ? p.optics : []));
  if (leading.length === 0) throw new RangeError('the system has no pupil plane to draw');
  const n = osys.npix;
  const scale = osys.resolvedPupilDiameter() / n;
  const { amp, opd } = samplePlane(optics, { ny: n, nx: n, cy: (n - 1) / 2, cx: (n - 1) / 2, scale }, { y0: 0, x0: 0, ny: n, nx: n }, osys.conventions);
  let peak = 0;
  for (const v of amp) if (v > peak) peak = v;
  const amplitude = amp.map((v) => (peak > 0 ? v / peak : 0));
  const nm = opd ? opd.map((v, k) => (amp[k]! > 0 ? v * 1e9 : 0)) : new Float64Array(n * n);
  return { amplitude, opd: nm, shape: [n, n] as [number, number], pixelscale: scale };
}

/** The outputs (for writeOutputs) drawing the pupil's amplitude and, if `opdFile` is given, its OPD. */
export function pupilOutputs(osys: OpticalSystem, file: string, opdFile?: string): Output[] {
  const p = entrancePupil(osys);
  const title = (what: string) => `Entrance pupil ${what} (${p.shape[1]}×${p.shape[0]} samples)`;
  const draw = (data: Float64Array, what: string, colourTitle: string) => (staging: string) =>
    psfToPng(staging, { data, shape: p.shape, pixelscale: p.pixelscale }, title(what), { stretch: 'linear', axisUnit: 'm', colourTitle });
  const outputs: Output[] = [{ file, what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: draw(p.amplitude, 'amplitude', 'amplitude') }];
  if (opdFile) outputs.push({ file: opdFile, what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: draw(p.opd, 'OPD', 'OPD (nm)') });
  return outputs;
}
