"""POPPY's SemiAnalyticCoronagraph on the standard coronagraph workload.

The peer the MFT coronagraph is measured against (benchmarks/RESULTS.md):
the same system as benchmarks/workloads/coronagraph.json (1024^2 pupil with
a 3-support obscuration, 0.4" occulter, Lyot stop 3.0/3.25, 10 wavelengths
1.8-2.2 um, detector 0.0311"/px over 5", system and detector oversample k),
propagated by POPPY's semi-analytic path with its documented settings for
this case (occulter box 0.5", image-plane oversample 8).

POPPY is not a dependency of airy: point AIRY_POPPY_SRC at a checkout of its
source (pure Python; Debian's python3-numpy, python3-scipy and
python3-astropy run it) and run

    AIRY_POPPY_SRC=/path/to/poppy /usr/bin/python3 benchmarks/poppy/coronagraph.py [k ...]

Prints one JSON line per k: median seconds of 3 calls after a warm-up.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.environ["AIRY_POPPY_SRC"])
import numpy as np  # noqa: E402
import poppy  # noqa: E402

WORKLOAD = os.path.join(os.path.dirname(__file__), "..", "workloads", "coronagraph.json")


def system(k):
    with open(WORKLOAD) as f:
        w = json.load(f)
    pupil, image, lyot, det = w["planes"]
    aperture, obscuration = pupil["optics"]
    osys = poppy.OpticalSystem(npix=w["npix"], oversample=k)
    osys.add_pupil(poppy.CircularAperture(radius=aperture["radius"]))
    osys.add_pupil(poppy.SecondaryObscuration(secondary_radius=obscuration["secondaryRadius"],
                                              n_supports=obscuration["nSupports"],
                                              support_width=obscuration["supportWidth"]))
    osys.add_image(poppy.CircularOcculter(radius=image["optics"][0]["radius"]))
    osys.add_pupil(poppy.CircularAperture(radius=lyot["optics"][0]["radius"]))
    osys.add_detector(pixelscale=det["pixelscale"], fov_arcsec=det["fovArcsec"], oversample=k)
    # POPPY merges nothing: the obscuration is its own pupil plane, so the
    # occulter is plane 2.
    sac = poppy.SemiAnalyticCoronagraph(osys, oversample=8, occulter_box=0.5, fpm_index=2)
    return sac, w["source"]


def main():
    ks = [int(a) for a in sys.argv[1:]] or [1, 4]
    poppy.conf.use_multiprocessing = False
    for k in ks:
        sac, src = system(k)
        source = {"wavelengths": np.array(src["wavelengths"]), "weights": np.array(src["weights"])}
        sac.calc_psf(source=source)
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            sac.calc_psf(source=source)
            runs.append(time.perf_counter() - t0)
        print(json.dumps({"k": k, "seconds": sorted(runs)[1], "runs": runs, "poppy": poppy.__version__,
                          "numpy": np.__version__}), flush=True)


if __name__ == "__main__":
    main()
