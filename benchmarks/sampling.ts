// How close each pupil sampling comes to the converged PSF as npix grows, for
// a circle, a hexagon, an obscured pupil with spiders and a JWST-like
// segmented pupil: anti-aliased edges (exact pixel areas) normalised 'first'
// by the aperture's energy (airy's default), the same samples normalised by
// their own Σt² (POPPY's normalisation), and binary pixel centres (POPPY's
// sampling of hexagons, segments and obscurations). The converged PSF is
// airy's default at npix 2048.
//   npm run bench:sampling
import { type Optic, OpticalSystem, opticFromJson } from '../lib/index';

const shapes: Record<string, unknown[]> = {
  circle: [{ type: 'CircularAperture', radius: 3 }],
  hexagon: [{ type: 'HexagonAperture', side: 3 }],
  'obscured + spiders': [
    { type: 'CircularAperture', radius: 3 },
    { type: 'SecondaryObscuration', secondaryRadius: 0.5, nSupports: 4, supportWidth: 0.1 },
  ],
  segmented: [{ type: 'MultiHexagonAperture', rings: 2, flatToFlat: 1.32, gap: 0.007 }],
};

/** A PSF with every optic gray or binary, normalised 'first' by the aperture's energy (airy) or the samples' Σt² (POPPY). */
async function psf(optics: unknown[], npix: number, grayPixel: boolean, conventions: 'airy' | 'poppy'): Promise<Float64Array> {
  const o = new OpticalSystem({ npix, conventions });
  o.addPupil(optics.map((j, i) => opticFromJson({ ...(j as object), grayPixel }, `optics[${i}]`) as Optic));
  o.addDetector({ pixelscale: 0.02, fovPixels: 64 });
  return (await o.calcPsf({ wavelength: 2e-6, normalize: 'first' })).data;
}

async function main() {
  console.log("| pupil | npix | anti-aliased, aperture energy (airy) | anti-aliased, samples' Σt² | binary (POPPY) |");
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, optics] of Object.entries(shapes)) {
    const ref = await psf(optics, 2048, true, 'airy');
    const peak = ref.reduce((m, v) => Math.max(m, v), 0);
    const off = (a: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0) / peak;
    for (const npix of [128, 256, 512]) {
      const airy = off(await psf(optics, npix, true, 'airy'));
      const sumSquares = off(await psf(optics, npix, true, 'poppy'));
      const binary = off(await psf(optics, npix, false, 'poppy'));
      console.log(`| ${name} | ${npix} | ${airy.toExponential(2)} | ${sumSquares.toExponential(2)} | ${binary.toExponential(2)} |`);
    }
  }
}
void main();
