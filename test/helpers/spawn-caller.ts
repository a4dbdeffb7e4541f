// A caller that runs a long processes-mode (spawn) PSF and says when its
// workers are busy. test/faults.ts kills it and looks for what it left.
import { CircularAperture, CircularOcculter, OpticalSystem } from '../../lib/index';

const o = new OpticalSystem({ npix: 256, oversample: 4, propagation: 'fft' });
o.addPupil(new CircularAperture({ radius: 1 }));
o.addImage(new CircularOcculter({ radius: 0.1 }));
o.addPupil(new CircularAperture({ radius: 0.9 }));
o.addDetector({ pixelscale: 0.01, fovPixels: 40 });
const wavelengths = Array.from({ length: 400 }, (_, i) => 1e-6 * (1 + i / 1000));
void o.calcPsf({
  source: { wavelengths, weights: wavelengths.map(() => 1) },
  parallel: 'processes',
  startMethod: 'spawn',
  nProcesses: 2,
  allowOversubscribe: true,
  onProgress: (p) => {
    if (p.done === 1) console.log(JSON.stringify({ started: true }));
  },
});
