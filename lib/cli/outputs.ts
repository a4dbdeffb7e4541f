/** The files `airy psf` writes for one PSF: checked before the work, written all or nothing after it. */
import { checkOutputPath, type Output } from '../io/files';
import type { PictureOptions } from '../io/picture';
import type { Psf } from '../io/psf';
import { UsageError } from './usage';

/** The FITS file and the optional PNG of a PSF, written all or nothing. */
export function psfOutputs(psf: Psf, fits: string, png?: string, picture: PictureOptions = {}): Output[] {
  const outputs: Output[] = [{ file: fits, what: 'FITS file', code: 'ERR_AIRY_FITS', write: (s) => psf.writeFits(s) }];
  if (png) outputs.push({ file: png, what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: (s) => psf.toPng(s, picture) });
  return outputs;
}

/** Output paths that cannot be written are bad usage, found before the PSF is computed. */
export function checkOutputs(files: (string | undefined)[]): void {
  try {
    for (const f of files) if (f) checkOutputPath(f, f.endsWith('.png') ? 'PNG picture' : 'FITS file', 'ERR_AIRY_WRITE');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
