"""POPPY's Gaussian-beam bookkeeping through Fresnel systems, the reference
test/fresnel-beam.ts holds lib/fresnel/beam.ts to.

Run from POPPY's public source (github:spacetelescope/poppy) on Debian's
python3-numpy, python3-scipy and python3-astropy:

    AIRY_POPPY_SRC=/path/to/poppy AIRY_POPPY_COMMIT=<its commit> /usr/bin/python3 test/poppy/fresnel_beam.py

For each system and wavelength it propagates a small FresnelWavefront
through POPPY's FresnelOpticalSystem plane by plane and records, after each
optic, the propagations POPPY ran (from the wavefront's history) and the
beam: position, waist and its position, planar or spherical, metres per
pixel and focal length. It writes reference/fresnel-beam.json.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.environ.get("AIRY_POPPY_SRC", ""))
import astropy.units as u  # noqa: E402
import numpy as np  # noqa: E402
import poppy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# The Hubble-like example of POPPY's Fresnel documentation (after PROPER's):
# primary and secondary as thin lenses, then the focus.
FL_PRI = 5.52085
D_PRI_SEC = 4.907028205
FL_SEC = -0.6790325
D_SEC_FOCUS = 6.3919974


def hubble_like(extra_planes):
    """Planes as (name, distance, focal length or None)."""
    planes = [("primary", 0.0, FL_PRI), ("secondary", D_PRI_SEC, FL_SEC)]
    if extra_planes:
        # A filter 1 m after the secondary, a plane 1 mm before focus, the focus, and 2 mm past it.
        planes += [("filter", 1.0, None), ("before focus", D_SEC_FOCUS - 1.0 - 1e-3, None), ("focus", 1e-3, None), ("past focus", 2e-3, None)]
    else:
        planes += [("focus", D_SEC_FOCUS, None)]
    return planes


def relay():
    """A 4f relay: lens, focus, lens, collimated pupil, and a distance inside the Rayleigh range."""
    return [("lens 1", 0.0, 2.0), ("focus", 2.0, None), ("lens 2", 2.0, 2.0), ("pupil", 2.0, None), ("near pupil", 0.5, None)]


SYSTEMS = {
    "hubble-like": {"radius": 1.2, "npix": 64, "oversample": 4, "planes": hubble_like(False)},
    "hubble-like-planes": {"radius": 1.2, "npix": 64, "oversample": 4, "planes": hubble_like(True)},
    "relay": {"radius": 0.01, "npix": 64, "oversample": 2, "planes": relay()},
}
WAVELENGTHS = [0.5e-6, 1e-6, 2e-6]

OP_NAMES = {"Plane-to-Plane": "planeToPlane", "Waist to Spherical": "waistToSpherical", "Spherical to Waist": "sphericalToWaist"}


def operations(history):
    ops = []
    for h in history:
        m = re.match(r"Propagated (Plane-to-Plane|Waist to Spherical|Spherical to Waist), dz = (\S+)", h)
        if m:
            ops.append({"kind": OP_NAMES[m.group(1)], "dz": float(m.group(2).split()[0])})
    return ops


def run(spec, wavelength):
    osys = poppy.FresnelOpticalSystem(pupil_diameter=2 * spec["radius"] * u.m, npix=spec["npix"], beam_ratio=1 / spec["oversample"])
    for name, distance, fl in spec["planes"]:
        optic = poppy.QuadraticLens(fl * u.m, name=name) if fl is not None else poppy.ScalarTransmission(name=name)
        osys.add_optic(optic, distance=distance * u.m)
    wf = osys.input_wavefront(wavelength * u.m)
    out = []
    for optic, distance in zip(osys.planes, osys.distances):
        n0 = len(wf.history)
        wf.propagate_to(optic, distance)
        wf *= optic
        out.append(
            {
                "name": optic.name,
                "operations": operations(wf.history[n0:]),
                "z": wf.z.to(u.m).value,
                "waist": wf.w_0.to(u.m).value,
                "waistZ": wf.z_w0.to(u.m).value,
                "spherical": bool(wf.spherical),
                "pixel": wf._pixelscale_m.to(u.m / u.pixel).value,
                "focalLength": wf.focal_length.to(u.m).value if np.isfinite(wf.focal_length.value) else None,
            }
        )
    return out


def main():
    result = {"poppy": os.environ.get("AIRY_POPPY_COMMIT", "source checkout"), "systems": {}}
    for name, spec in SYSTEMS.items():
        planes = [{"name": p[0], "distance": p[1], "focalLength": p[2]} for p in spec["planes"]]
        result["systems"][name] = {
            "radius": spec["radius"],
            "npix": spec["npix"],
            "oversample": spec["oversample"],
            "planes": planes,
            "runs": [{"wavelength": lam, "planes": run(spec, lam)} for lam in WAVELENGTHS],
        }
    os.makedirs(os.path.join(HERE, "reference"), exist_ok=True)
    with open(os.path.join(HERE, "reference", "fresnel-beam.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
