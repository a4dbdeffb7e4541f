// airy's default sampling converges faster than POPPY's: anti-aliased edges
// (exact pixel areas) normalised 'first' by the aperture's energy, against
// binary pixel centres normalised by their own sum of squares, both against
// the converged PSF (airy's default at npix 1024). npm run bench:sampling
// prints the whole table.
import t from 'tap';
import { type Optic, OpticalSystem, opticFromJson } from '../lib/index';

const shapes: [string, unknown[], number][] = [
  ['circle', [{ type: 'CircularAperture', radius: 3 }], 10],
  ['hexagon', [{ type: 'HexagonAperture', side: 3 }], 10],
  [
    'obscured pupil with spiders',
    [
      { type: 'CircularAperture', radius: 3 },
      { type: 'SecondaryObscuration', secondaryRadius: 0.5, nSupports: 4, supportWidth: 0.1 },
    ],
    2,
  ],
  ['segmented', [{ type: 'MultiHexagonAperture', rings: 2, flatToFlat: 1.32, gap: 0.007 }], 10],
];

async function psf(optics: unknown[], npix: number, conventions: 'airy' | 'poppy'): Promise<Float64Array> {
  const o = new OpticalSystem({ npix, conventions });
  o.addPupil(optics.map((j, i) => opticFromJson(j, `optics[${i}]`) as Optic));
  o.addDetector({ pixelscale: 0.02, fovPixels: 48 });
  return (await o.calcPsf({ wavelength: 2e-6, normalize: 'first' })).data;
}

for (const [name, optics, factor] of shapes) {
  t.test(`${name}: at npix 256 airy's default is ≥ ${factor}× closer to the converged PSF than POPPY's sampling`, async (t) => {
    const ref = await psf(optics, 1024, 'airy');
    const peak = ref.reduce((m, v) => Math.max(m, v), 0);
    const off = (a: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0) / peak;
    const airy = off(await psf(optics, 256, 'airy'));
    const poppy = off(await psf(optics, 256, 'poppy'));
    t.ok(airy * factor <= poppy, `airy ${airy.toExponential(2)}, POPPY's convention ${poppy.toExponential(2)} of peak (${(poppy / airy).toFixed(1)}×)`);
  });
}
