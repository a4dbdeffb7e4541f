"""POPPY's FixedSamplingImagePlaneElement (a focal-plane mask applied on its
own fine grid by FFT and MFTs) in a Fresnel Lyot coronagraph: the reference
test/fresnel-mft.ts compares airy's mftSampling with.

    AIRY_POPPY_SRC=/path/to/poppy AIRY_POPPY_COMMIT=<its commit> /usr/bin/python3 test/poppy/fresnel_fpm.py

The system, as a 5f relay: a circular aperture of radius 5 mm (the beam
radius), 1 m to a lens of f = 1 m, 1 m to the focus and the mask, 1 m to a
second lens, 1 m to the pupil's image (a Lyot stop of 0.8 the radius and a
third lens), 1 m to the focus; npix 128, beam ratio 0.25, normalize 'first'.
The mask: 129 x 129 samples of 0.1 lambda_c/D (lambda_c = 1 um, D = 10 mm),
opaque within 3 lambda_c/D of a centre 0.5 lambda_c/D along +x (columns),
dark beyond the array as POPPY's element is. It writes
reference/fresnel-fpm.json: the mask, and per wavelength the metres per
pixel at the final focus and the central 65 x 65 intensity (axis at pixel 32).
"""
import json
import os
import sys

sys.path.insert(0, os.environ.get("AIRY_POPPY_SRC", ""))
import astropy.io.fits as fits  # noqa: E402
import astropy.units as u  # noqa: E402
import numpy as np  # noqa: E402
import poppy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RADIUS = 0.005
F = 1.0
NPIX = 128
BEAM_RATIO = 0.25
LAMBDA_C = 1e-6
NFPM = 129
PIXEL_LAMD = 0.1
CROP = 65
WAVELENGTHS = [1e-6, 0.9e-6]


def mask():
    c = (np.arange(NFPM) - (NFPM - 1) / 2) * PIXEL_LAMD
    y, x = np.meshgrid(c, c, indexing="ij")
    return np.where(np.hypot(x - 0.5, y) < 3.0, 0.0, 1.0)


def coronagraph(radius, f, npix, beam_ratio, fpm, pixel_lamd, lambda_c):
    """The 5f relay with POPPY's element holding `fpm` (samples of pixel_lamd lambda_c/D) at its focus."""
    d = 2 * radius
    hdu = fits.HDUList([fits.PrimaryHDU(fpm)])
    hdu[0].header["PIXELSCL"] = pixel_lamd * lambda_c / d * 180 / np.pi * 3600
    osys = poppy.FresnelOpticalSystem(pupil_diameter=d * u.m, npix=npix, beam_ratio=beam_ratio)
    osys.add_optic(poppy.CircularAperture(radius=radius * u.m))
    osys.add_optic(poppy.QuadraticLens(f * u.m), distance=f * u.m)
    element = poppy.FixedSamplingImagePlaneElement(transmission=hdu, wavelength_c=lambda_c * u.m, entrance_pupil_diam=d * u.m)
    osys.add_optic(element, distance=f * u.m)
    osys.add_optic(poppy.QuadraticLens(f * u.m), distance=f * u.m)
    osys.add_optic(poppy.CircularAperture(radius=0.8 * radius * u.m), distance=f * u.m)
    osys.add_optic(poppy.QuadraticLens(f * u.m))
    osys.add_optic(poppy.ScalarTransmission(name="focus"), distance=f * u.m)
    return osys


def system(fpm):
    return coronagraph(RADIUS, F, NPIX, BEAM_RATIO, fpm, PIXEL_LAMD, LAMBDA_C)


def main():
    fpm = mask()
    runs = []
    for lam in WAVELENGTHS:
        wf = system(fpm).input_wavefront(lam * u.m)
        wf = system(fpm).propagate(wf, normalize="first")
        c = wf.wavefront.shape[0] // 2
        h = CROP // 2
        intensity = np.abs(wf.wavefront[c - h : c + h + 1, c - h : c + h + 1]) ** 2
        runs.append({"wavelength": lam, "pixelSize": wf._pixelscale_m.to(u.m / u.pixel).value, "intensity": intensity.ravel().tolist()})
    out = {
        "poppy": os.environ.get("AIRY_POPPY_COMMIT", "source checkout"),
        "npix": NPIX,
        "oversample": 1 / BEAM_RATIO,
        "mask": {"n": NFPM, "pixelLambdaD": PIXEL_LAMD, "lambdaC": LAMBDA_C, "transmission": fpm.ravel().tolist()},
        "crop": CROP,
        "runs": runs,
    }
    with open(os.path.join(HERE, "reference", "fresnel-fpm.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
