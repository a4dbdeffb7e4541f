"""Reads an airy PSF grid as WebbPSF users do: astropy opens the cube, the
DET_YX keywords give the positions, photutils' GriddedPSFModel takes it.
Prints JSON: shape, positions, oversampling, and the largest difference
between the model evaluated at each grid point and that point's PSF."""
import json
import sys

import numpy as np
from astropy.io import fits
from astropy.nddata import NDData
from photutils.psf import GriddedPSFModel

with fits.open(sys.argv[1]) as hdul:
    header = hdul[0].header
    data = hdul[0].data.astype(float)
    checksums = bool(hdul[0].verify_checksum() == 1)

n = header["NUM_PSFS"]
yx = [tuple(float(v) for v in header[f"DET_YX{i}"].strip("()").split(",")) for i in range(n)]
over = int(header["OVERSAMP"])
model = GriddedPSFModel(NDData(data, meta={"grid_xypos": [(x, y) for (y, x) in yx], "oversampling": over}))

# At a grid point the model is that point's PSF: evaluated where its samples
# lie (sample j of an n-wide array at x_0 + (j - (n - 1) / 2) / oversampling)
# it gives them back, up to photutils' normalisation.
ny, nx = data.shape[1:]
jj, ii = np.mgrid[0:ny, 0:nx]
worst = 0.0
for i, (y, x) in enumerate(yx):
    model.x_0, model.y_0, model.flux = x, y, 1.0
    got = model(x + (ii - (nx - 1) / 2) / over, y + (jj - (ny - 1) / 2) / over)
    worst = max(worst, float(np.max(np.abs(got / got.sum() - data[i] / data[i].sum()))) / float(np.max(data[i] / data[i].sum())))

print(json.dumps({"shape": list(data.shape), "yx": yx, "oversampling": over, "checksums": checksums,
                  "worst": worst, "focus": header["FOCUS"]}))
