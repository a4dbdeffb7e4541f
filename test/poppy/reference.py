"""POPPY's PSFs of the systems in systems.json, the reference that
test/poppy.ts compares airy with (conventions 'poppy', to 1e-6 of peak).

Run from POPPY's public source (github:spacetelescope/poppy) on Debian's
python3-numpy, python3-scipy and python3-astropy:

    AIRY_POPPY_SRC=/path/to/poppy AIRY_POPPY_COMMIT=<its commit> /usr/bin/python3 test/poppy/reference.py

It writes reference/<name>.npy (float64, the detector image) and
reference/versions.json (the POPPY, numpy and astropy versions used).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.environ.get("AIRY_POPPY_SRC", ""))
import astropy  # noqa: E402
import poppy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WAVELENGTH = 2e-6


def optic(o):
    """The POPPY optic of one airy optic (JSON form, airy's names and units)."""
    t = o["type"]
    if t == "CircularAperture":
        return poppy.CircularAperture(radius=o["radius"])
    if t == "HexagonAperture":
        return poppy.HexagonAperture(side=o["side"])
    if t == "SecondaryObscuration":
        return poppy.SecondaryObscuration(secondary_radius=o["secondaryRadius"], n_supports=o["nSupports"], support_width=o["supportWidth"])
    if t == "AsymmetricSecondaryObscuration":
        return poppy.AsymmetricSecondaryObscuration(
            secondary_radius=o["secondaryRadius"],
            support_angle=o["supportAngle"],
            support_width=o["supportWidth"],
            support_offset_x=o.get("supportOffsetX", 0.0),
            support_offset_y=o.get("supportOffsetY", 0.0),
        )
    if t == "MultiHexagonAperture":
        return poppy.MultiHexagonAperture(rings=o["rings"], flattoflat=o["flatToFlat"], gap=o["gap"], center=o.get("center", False))
    if t == "MultiCircularAperture":
        return poppy.MultiCircularAperture(rings=o["rings"], segment_radius=o["segmentRadius"], gap=o["gap"], center=o.get("center", True))
    if t == "CircularOcculter":
        return poppy.CircularOcculter(radius=o["radius"])
    if t == "ZernikeWFE":
        return poppy.ZernikeWFE(radius=o["radius"], coefficients=o["coefficients"])
    if t == "RectangleAperture":
        return poppy.RectangleAperture(width=o["width"], height=o["height"])
    if t == "SquareFieldStop":
        return poppy.SquareFieldStop(size=o["size"])
    if t == "AnnularFieldStop":
        return poppy.AnnularFieldStop(radius_inner=o["radiusInner"], radius_outer=o["radiusOuter"])
    if t == "ContinuousDeformableMirror":
        ny, nx = o["actuators"]
        dm = poppy.ContinuousDeformableMirror(dm_shape=(ny, nx), radius=o["radius"], include_factor_of_two=True)
        dm.set_surface(np.array(o["surface"]).reshape(ny, nx))
        return dm
    if t == "HexSegmentedDeformableMirror":
        dm = poppy.HexSegmentedDeformableMirror(rings=o["rings"], flattoflat=o["flatToFlat"], gap=o["gap"], center=o["center"], include_factor_of_two=True)
        for segment, terms in o["surface"].items():
            dm.set_actuator(int(segment), terms.get("piston", 0.0), terms.get("tip", 0.0), terms.get("tilt", 0.0))
        return dm
    raise ValueError(f"no POPPY translation for {t}")


def plane_optic(optics):
    parts = [optic(o) for o in optics]
    return parts[0] if len(parts) == 1 else poppy.CompoundAnalyticOptic(opticslist=parts, mergemode="and")


def psf(system):
    osys = poppy.OpticalSystem(oversample=system["oversample"], npix=system["npix"])
    for p in system["planes"]:
        if p["kind"] == "pupil":
            osys.add_pupil(plane_optic(p["optics"]))
        elif p["kind"] == "image":
            osys.add_image(plane_optic(p["optics"]))
        else:
            osys.add_detector(pixelscale=p["pixelscale"], fov_pixels=p["fovPixels"], oversample=1)
    return osys.calc_psf(WAVELENGTH, normalize="first")[0].data.astype(np.float64)


def main():
    out = os.path.join(HERE, "reference")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(HERE, "systems.json")) as f:
        systems = json.load(f)
    for s in systems:
        np.save(os.path.join(out, s["name"] + ".npy"), psf(s["system"]))
        print(s["name"])
    with open(os.path.join(out, "versions.json"), "w") as f:
        json.dump({"poppy": poppy.__version__ or os.environ.get("AIRY_POPPY_COMMIT", "source checkout"), "numpy": np.__version__, "astropy": astropy.__version__, "wavelength": WAVELENGTH}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
