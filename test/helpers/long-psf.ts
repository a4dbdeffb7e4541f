// A PSF that runs for seconds in processes mode (fork or spawn), for the
// fault tests: `onFirst` is called once the first wavelength is done.
import { CircularAperture, CircularOcculter, OpticalSystem, type Psf } from '../../lib/index';

export function longPsf(startMethod: 'fork' | 'spawn', onFirst: () => void): Promise<Psf> {
  const o = new OpticalSystem({ npix: 256, oversample: 4, propagation: 'fft' });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addImage(new CircularOcculter({ radius: 0.1 }));
  o.addPupil(new CircularAperture({ radius: 0.9 }));
  o.addDetector({ pixelscale: 0.01, fovPixels: 40 });
  const wavelengths = Array.from({ length: 400 }, (_, i) => 1e-6 * (1 + i / 1000));
  return o.calcPsf({
    source: { wavelengths, weights: wavelengths.map(() => 1) },
    parallel: 'processes',
    startMethod,
    nProcesses: 2,
    allowOversubscribe: true,
    onProgress: (p) => p.done === 1 && onFirst(),
  });
}
