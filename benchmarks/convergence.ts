// Convergence of coronagraph PSFs with the image-plane sampling, both paths:
// the padded FFT at oversample k (mask sampled at λ/(D·k)) and the MFT box at
// maskSampling q, each against the MFT at q = 256. Lyot-style systems: a
// circular 2 m pupil (npix 256), a mask, a 0.9 Lyot stop, λ = 1 µm.
//
//   npm run bench:convergence
import { loadSystem } from '../lib/index';

const MASKS: Record<string, object> = {
  'occulter 0.1″': { type: 'CircularOcculter', radius: 0.1 },
  'occulter 0.4″': { type: 'CircularOcculter', radius: 0.4 },
  'field stop 1″': { type: 'SquareFieldStop', size: 1.0 },
  'annulus 0.2–0.6″': { type: 'AnnularFieldStop', radiusInner: 0.2, radiusOuter: 0.6 },
};

function system(mask: object, propagation: 'fft' | 'mft', k: number) {
  return loadSystem({
    npix: 256,
    oversample: propagation === 'fft' ? k : 2,
    propagation,
    maskSampling: propagation === 'mft' ? k : 16,
    planes: [
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
      { kind: 'image', optics: [mask] },
      { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 0.9 }] },
      { kind: 'detector', pixelscale: 0.01, fovArcsec: 1.5, oversample: 1 },
    ],
  });
}

async function maxError(mask: object, propagation: 'fft' | 'mft', k: number, ref: Float64Array, peak: number): Promise<number> {
  const p = await system(mask, propagation, k).calcPsf({ wavelength: 1e-6 });
  let d = 0;
  for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(p.data[i]! - ref[i]!));
  return d / peak;
}

async function main(): Promise<void> {
  const ks = [2, 4, 8, 16];
  const qs = [4, 8, 16, 32, 64];
  console.log('max |PSF − reference| / reference peak; reference: MFT at maskSampling 256');
  console.log(`mask               ${ks.map((k) => `fft k=${k}`.padStart(10)).join('')} ${qs.map((q) => `mft q=${q}`.padStart(10)).join('')}`);
  for (const [name, mask] of Object.entries(MASKS)) {
    const ref = (await system(mask, 'mft', 256).calcPsf({ wavelength: 1e-6 })).data;
    const peak = ref.reduce((a, b) => Math.max(a, b), 0);
    const row: string[] = [];
    for (const k of ks) row.push((await maxError(mask, 'fft', k, ref, peak)).toExponential(1).padStart(10));
    const mrow: string[] = [];
    for (const q of qs) mrow.push((await maxError(mask, 'mft', q, ref, peak)).toExponential(1).padStart(10));
    console.log(`${name.padEnd(18)} ${row.join('')} ${mrow.join('')}`);
  }
}
void main();
