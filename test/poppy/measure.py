"""POPPY's measurements of one PSF file, the reference test/analysis-poppy.ts
compares airy's analysis with (the same FITS file, written by airy from
measure-system.json).

    AIRY_POPPY_SRC=/path/to/poppy /usr/bin/python3 test/poppy/measure.py

It writes reference/measure.json: POPPY's measure_fwhm (a Gaussian fitted to
the pixels above 10 % of the peak), measure_fwhm_radprof, measure_ee and
measure_radius_at_ee (both in the image's own flux units, normalize='None'),
and measure_centroid.
"""
import json
import os
import sys

sys.path.insert(0, os.environ.get("AIRY_POPPY_SRC", ""))
import poppy  # noqa: E402
from astropy.io import fits  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RADII = [0.05, 0.1, 0.2, 0.3]
FRACTIONS = [0.5, 0.8]


def main():
    hdul = fits.open(os.path.join(HERE, "reference", "measure-psf.fits"))
    ee = poppy.utils.measure_ee(hdul, ext=0)
    radius = poppy.utils.measure_radius_at_ee(hdul, ext=0)
    y, x = poppy.utils.measure_centroid(hdul, ext=0)
    out = {
        "fwhm": float(poppy.utils.measure_fwhm(hdul, ext=0)),
        "fwhmRadprof": float(poppy.utils.measure_fwhm_radprof(hdul, ext=0, nowarn=True)),
        "ee": {str(r): float(ee(r)) for r in RADII},
        "radiusAtEe": {str(f): float(radius(f)) for f in FRACTIONS},
        "centroid": [float(y), float(x)],
        "poppy": poppy.__version__ or os.environ.get("AIRY_POPPY_COMMIT", "source checkout"),
    }
    with open(os.path.join(HERE, "reference", "measure.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
