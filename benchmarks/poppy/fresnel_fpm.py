"""POPPY's FixedSamplingImagePlaneElement in a Fresnel Lyot coronagraph, the
peer `npm run bench:fresnel-fpm` compares airy's mftSampling with.

    AIRY_POPPY_SRC=/path/to/poppy /usr/bin/python3 benchmarks/poppy/fresnel_fpm.py '<json>'

The JSON argument gives the system (benchmarks/fresnel-fpm.ts writes it):
radius, f, npix, oversample, the mask (n x n transmission samples of
pixelLambdaD lambda_c/D), the wavelengths and repeats. The system is the 5f
relay of test/poppy/fresnel_fpm.py, taken from it. Prints one JSON line: the median seconds
of the repeats (all wavelengths, one propagation each), the final-focus
intensity of the first wavelength (central crop x crop) and its metres per
pixel, and the versions.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.environ["AIRY_POPPY_SRC"])
import importlib.util  # noqa: E402

import astropy.units as u  # noqa: E402
import numpy as np  # noqa: E402

# The system is test/poppy/fresnel_fpm.py's, which makes the test's reference.
_SPEC = importlib.util.spec_from_file_location(
    "fresnel_fpm_reference", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "poppy", "fresnel_fpm.py")
)
REFERENCE = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(REFERENCE)


def system(w, fpm):
    return REFERENCE.coronagraph(w["radius"], w["f"], w["npix"], 1 / w["oversample"], fpm, w["pixelLambdaD"], w["lambdaC"])


def main():
    w = json.loads(sys.argv[1])
    fpm = np.array(w["transmission"], dtype=float).reshape(w["n"], w["n"])
    times = []
    first = None
    for _ in range(w["repeats"]):
        t0 = time.perf_counter()
        for i, lam in enumerate(w["wavelengths"]):
            osys = system(w, fpm)
            wf = osys.propagate(osys.input_wavefront(lam * u.m), normalize="first")
            if i == 0 and first is None:
                c, h = wf.wavefront.shape[0] // 2, w["crop"] // 2
                first = {
                    "pixelSize": wf._pixelscale_m.to(u.m / u.pixel).value,
                    "intensity": (np.abs(wf.wavefront[c - h : c + h + 1, c - h : c + h + 1]) ** 2).ravel().tolist(),
                }
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": float(np.median(times)), "runs": times, "first": first, "numpy": np.__version__,
                      "poppy": os.environ.get("AIRY_POPPY_COMMIT", "source checkout")}))


if __name__ == "__main__":
    main()
