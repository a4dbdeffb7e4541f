"""POPPY's FresnelOpticalSystem intensity at the focus of the Hubble-like
example (POPPY's Fresnel documentation, after PROPER), the reference
test/fresnel.ts compares airy's FresnelOpticalSystem with (1e-4 of peak).

    AIRY_POPPY_SRC=/path/to/poppy AIRY_POPPY_COMMIT=<its commit> /usr/bin/python3 test/poppy/fresnel_psf.py

The system: a 2.4 m circular aperture, a 0.396 m secondary obscuration on
four 26.4 mm struts turned 45°, the primary (f = 5.52085 m) and, 4.907 m on,
the secondary (f = −0.6790325 m) as thin lenses, and the focus 6.392 m
behind it; npix 256, beam ratio 0.25, normalize 'first'. It writes
reference/fresnel-hubble.json: the wavelengths, the metres per pixel at the
focus, and the central 64 × 64 intensity (axis at pixel 32) of each.
"""
import json
import os
import sys

sys.path.insert(0, os.environ.get("AIRY_POPPY_SRC", ""))
import astropy.units as u  # noqa: E402
import numpy as np  # noqa: E402
import poppy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NPIX = 256
BEAM_RATIO = 0.25
CROP = 64
WAVELENGTHS = [0.5e-6, 1e-6]


def system():
    osys = poppy.FresnelOpticalSystem(pupil_diameter=2.4 * u.m, npix=NPIX, beam_ratio=BEAM_RATIO)
    osys.add_optic(poppy.CircularAperture(radius=1.2 * u.m))
    osys.add_optic(poppy.SecondaryObscuration(secondary_radius=0.396 * u.m, support_width=0.0264 * u.m, support_angle_offset=45.0))
    osys.add_optic(poppy.QuadraticLens(5.52085 * u.m, name="primary"))
    osys.add_optic(poppy.QuadraticLens(-0.6790325 * u.m, name="secondary"), distance=4.907028205 * u.m)
    osys.add_optic(poppy.ScalarTransmission(name="focus"), distance=6.3919974 * u.m)
    return osys


def main():
    runs = []
    for lam in WAVELENGTHS:
        osys = system()
        wf = osys.input_wavefront(lam * u.m)
        wf = osys.propagate(wf, normalize="first")
        n = wf.wavefront.shape[0]
        c = n // 2
        intensity = np.abs(wf.wavefront[c - CROP // 2 : c + CROP // 2, c - CROP // 2 : c + CROP // 2]) ** 2
        runs.append(
            {
                "wavelength": lam,
                "pixelSize": wf._pixelscale_m.to(u.m / u.pixel).value,
                "intensity": intensity.ravel().tolist(),
            }
        )
    out = {"poppy": os.environ.get("AIRY_POPPY_COMMIT", "source checkout"), "npix": NPIX, "oversample": 1 / BEAM_RATIO, "crop": CROP, "runs": runs}
    with open(os.path.join(HERE, "reference", "fresnel-hubble.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
