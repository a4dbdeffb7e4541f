"""POPPY's FresnelOpticalSystem on the Fresnel workload
(benchmarks/workloads/fresnel.json: five surfaces, npix 1024, beam ratio
0.5, 10 wavelengths, a 256-pixel detector of 5 µm pixels), the peer
`npm run bench:fresnel` compares airy with.

POPPY is not a dependency of airy: point AIRY_POPPY_SRC at a checkout of its
source and run

    AIRY_POPPY_SRC=/path/to/poppy /usr/bin/python3 benchmarks/poppy/fresnel.py [repeats]

Prints one JSON line: the median seconds of `repeats` (default 1) calc_psf
calls after none (the first call is timed too: POPPY keeps no state between
calls), and the versions.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.environ["AIRY_POPPY_SRC"])
import astropy.units as u  # noqa: E402
import numpy as np  # noqa: E402
import poppy  # noqa: E402

WORKLOAD = os.path.join(os.path.dirname(__file__), "..", "workloads", "fresnel.json")


def optic(o):
    t = o["type"]
    if t == "CircularAperture":
        return poppy.CircularAperture(radius=o["radius"] * u.m)
    if t == "SecondaryObscuration":
        return poppy.SecondaryObscuration(secondary_radius=o["secondaryRadius"] * u.m, support_width=o["supportWidth"] * u.m,
                                          support_angle_offset=o.get("supportAngleOffset", 0.0))
    if t == "QuadraticLens":
        return poppy.QuadraticLens(o["focalLength"] * u.m)
    raise ValueError(f"optic type {t} is not in this script")


def system(w):
    osys = poppy.FresnelOpticalSystem(pupil_diameter=2 * w["beamRadius"] * u.m, npix=w["npix"], beam_ratio=1 / w["oversample"])
    for pl in w["planes"]:
        # POPPY takes one optic per plane: the first at the plane's distance, the rest at 0.
        for i, o in enumerate(pl["optics"]):
            osys.add_optic(optic(o), distance=(pl["distance"] if i == 0 else 0) * u.m)
    d = w["detector"]
    osys.add_detector(pixelscale=d["pixelSize"] * u.m / u.pixel, fov_pixels=d["fovPixels"] * u.pixel, distance=d["distance"] * u.m)
    return osys


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    with open(WORKLOAD) as f:
        w = json.load(f)
    src = {"wavelengths": w["source"]["wavelengths"], "weights": w["source"]["weights"]}
    times = []
    for _ in range(repeats):
        osys = system(w)
        t0 = time.perf_counter()
        osys.calc_psf(source=src, normalize=w["normalize"])
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": float(np.median(times)), "runs": times, "numpy": np.__version__,
                      "poppy": os.environ.get("AIRY_POPPY_COMMIT", "source checkout")}))


if __name__ == "__main__":
    main()
