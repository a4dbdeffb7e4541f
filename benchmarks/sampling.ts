// How close each pupil sampling comes to the converged PSF as npix grows:
// anti-aliased edges (airy's default: exact pixel areas) against binary
// pixel centres (POPPY's convention for hexagons, segments, obscurations),
// for a circle, a hexagon, an obscured pupil with spiders and a JWST-like
// segmented pupil. The converged PSF is the anti-aliased one at npix 2048
// (with the area normalisation of the middle column).
//   npm run bench:sampling
import { type Optic, OpticalSystem, opticFromJson } from '../lib/index';
import { samplePlane } from '../lib/optics';

const shapes: Record<string, unknown[]> = {
  circle: [{ type: 'CircularAperture', radius: 3 }],
  hexagon: [{ type: 'HexagonAperture', side: 3 }],
  'obscured + spiders': [
    { type: 'CircularAperture', radius: 3 },
    { type: 'SecondaryObscuration', secondaryRadius: 0.5, nSupports: 4, supportWidth: 0.1 },
  ],
  segmented: [{ type: 'MultiHexagonAperture', rings: 2, flatToFlat: 1.32, gap: 0.007 }],
};

async function psf(optics: unknown[], npix: number, grayPixel: boolean, byArea = false): Promise<Float64Array> {
  const made = optics.map((j, i) => opticFromJson({ ...(j as object), grayPixel }, `optics[${i}]`) as Optic);
  const o = new OpticalSystem({ npix });
  o.addPupil(made);
  o.addDetector({ pixelscale: 0.02, fovPixels: 64 });
  const data = (await o.calcPsf({ wavelength: 2e-6, normalize: 'first' })).data;
  if (!byArea) return data;
  // 'first' divides by the sampled pupil's Σt²; an edge pixel holding area fraction f carries f² of its light
  // there, though the aperture it stands for carries f. Rescale to Σt (the aperture's area) instead.
  const D = made.map((m) => m.pupilDiameter() ?? 0).find((d) => d > 0)!;
  const t = samplePlane(made, { ny: npix, nx: npix, cy: (npix - 1) / 2, cx: (npix - 1) / 2, scale: D / npix }, { y0: 0, x0: 0, ny: npix, nx: npix }).amp;
  const sum1 = t.reduce((a, v) => a + v, 0);
  const sum2 = t.reduce((a, v) => a + v * v, 0);
  return data.map((v) => (v * sum2) / sum1);
}

async function main() {
  console.log('| pupil | npix | anti-aliased (airy) | anti-aliased, normalised by area | binary (POPPY) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, optics] of Object.entries(shapes)) {
    const ref = await psf(optics, 2048, true, true);
    const peak = ref.reduce((m, v) => Math.max(m, v), 0);
    const off = (a: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0) / peak;
    for (const npix of [128, 256, 512]) {
      const gray = off(await psf(optics, npix, true));
      const byArea = off(await psf(optics, npix, true, true));
      const binary = off(await psf(optics, npix, false));
      console.log(`| ${name} | ${npix} | ${gray.toExponential(2)} | ${byArea.toExponential(2)} | ${binary.toExponential(2)} |`);
    }
  }
}
void main();
