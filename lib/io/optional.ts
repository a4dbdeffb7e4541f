/**
 * The picture packages (vega, vega-lite, @resvg/resvg-js, pngjs) are optional
 * dependencies: the core loads and computes without them, and drawing without
 * them fails with the package to install. They load through dynamic import
 * (kept as such in the CommonJS build by module node16), as Vega is ESM-only.
 */
import { AiryError } from '../errors';

/** Loads optional package `name` for `purpose`, or fails naming what to install. */
export async function optionalPackage<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new AiryError(`${purpose} needs the optional package ${name}, which is not installed: npm install ${name}`, 'ERR_AIRY_MISSING_PACKAGE', {
        cause: e,
      });
    }
    throw e;
  }
}
