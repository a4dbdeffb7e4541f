// A JSON system whose PSF takes seconds (400 wavelengths of an FFT
// coronagraph), for tests that interrupt or starve the CLI mid-call.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANY_WAVELENGTHS } from './long-psf';

export function writeLongSystem(dir: string, npix = 256): string {
  const file = path.join(dir, 'long.json');
  const aperture = (radius: number) => [{ type: 'CircularAperture', radius }];
  const system = {
    npix,
    oversample: 4,
    propagation: 'fft',
    planes: [
      { kind: 'pupil', optics: aperture(1) },
      { kind: 'image', optics: [{ type: 'CircularOcculter', radius: 0.1 }] },
      { kind: 'pupil', optics: aperture(0.9) },
      { kind: 'detector', pixelscale: 0.01, fovPixels: 40 },
    ],
    source: { wavelengths: MANY_WAVELENGTHS },
  };
  fs.writeFileSync(file, JSON.stringify(system));
  return file;
}
