// A PSF that runs for seconds in processes mode (fork or spawn), for the
// fault tests: `onFirst` is called once the first wavelength is done.
import { CircularAperture, CircularOcculter, OpticalSystem, type Psf } from '../../lib/index';

/** An FFT Lyot coronagraph whose wavelengths take tens of milliseconds each. */
export function lyotSystem(npix: number): OpticalSystem {
  const o = new OpticalSystem({ npix, oversample: 4, propagation: 'fft' });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addImage(new CircularOcculter({ radius: 0.1 }));
  o.addPupil(new CircularAperture({ radius: 0.9 }));
  o.addDetector({ pixelscale: 0.01, fovPixels: 40 });
  return o;
}

/** 400 wavelengths, 1 to 1.4 µm: seconds of work. */
export const MANY_WAVELENGTHS = Array.from({ length: 400 }, (_, i) => 1e-6 * (1 + i / 1000));

export function longPsf(startMethod: 'fork' | 'spawn', onFirst: () => void): Promise<Psf> {
  const wavelengths = MANY_WAVELENGTHS;
  return lyotSystem(256).calcPsf({
    source: { wavelengths, weights: wavelengths.map(() => 1) },
    parallel: 'processes',
    startMethod,
    nProcesses: 2,
    allowOversubscribe: true,
    onProgress: (p) => p.done === 1 && onFirst(),
  });
}
