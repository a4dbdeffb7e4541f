/** FITS files through CFITSIO. */
import { native } from './binding';

/** The linked CFITSIO library's version, e.g. `4.020`. */
export function cfitsioVersion(): string {
  return native().cfitsioVersion();
}
