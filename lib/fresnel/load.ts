/**
 * Fresnel systems from JSON:
 *
 *   { "type": "fresnel", "beamRadius": 1.2, "npix": 1024, "oversample": 2, "conventions": "poppy",
 *     "planes": [ { "distance": 0, "optics": [ { "type": "CircularAperture", "radius": 1.2 },
 *                                              { "type": "QuadraticLens", "focalLength": 5.52085 } ] },
 *                 { "distance": 4.907, "optics": [ { "type": "QuadraticLens", "focalLength": -0.679 } ] } ],
 *     "detector": { "pixelSize": 5e-6, "fovPixels": 256, "distance": 6.392 },
 *     "source": { "wavelengths": [...], "weights": [...] }, "normalize": "first" }
 *
 * Distances and sizes in metres; a plane's optics are any optic types plus at
 * most one QuadraticLens or ConicLens, applied after them; a plane's "mftSampling":
 * { "pixelSize", "fovPixels"? } applies its optics on that fixed grid by MFTs.
 */
import { resolveSource } from '../engine/source';
import { systemJson } from '../io/load';
import { type Conventions, type Optic, opticFromJson } from '../optics';
import { knownKeys, oneOf, show } from '../validate';
import { ConicLens, QuadraticLens } from './lenses';
import { type FresnelLens, FresnelOpticalSystem, type MftSampling } from './system';

const TOP_KEYS = ['type', 'name', 'beamRadius', 'npix', 'oversample', 'conventions', 'bandLimit', 'planes', 'detector', 'source', 'normalize'];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function opticOrLens(v: unknown, path: string, baseDir: string | undefined): Optic | FresnelLens {
  if (isObject(v) && v.type === 'QuadraticLens') {
    knownKeys(`${path}.`, v, ['type', 'focalLength', 'name'], 'a QuadraticLens parameter');
    return new QuadraticLens({ focalLength: v.focalLength as number, name: v.name as string | undefined });
  }
  if (isObject(v) && v.type === 'ConicLens') {
    knownKeys(`${path}.`, v, ['type', 'focalLength', 'conic', 'radius', 'refractiveIndex', 'name'], 'a ConicLens parameter');
    const { type: _, ...opts } = v;
    try {
      return new ConicLens(opts as never);
    } catch (e) {
      throw Object.assign(e as Error, { message: `${path}: ${(e as Error).message}` });
    }
  }
  return opticFromJson(v, path, baseDir);
}

/**
 * Loads a Fresnel system (`"type": "fresnel"`) from JSON text, an object, or
 * `{ file }` (relative FITS paths are taken from the file's folder, or
 * `opts.baseDir`). Errors name the JSON path. The file's `source` and
 * `normalize` become the defaults of the system's `calcPsf`.
 */
export function loadFresnelSystem(json: string | object | { file: string }, opts: { baseDir?: string } = {}): FresnelOpticalSystem {
  const { v, baseDir } = systemJson(json, opts.baseDir);
  if (v.type !== 'fresnel') throw new TypeError(`type must be "fresnel" for a Fresnel system, got ${show(v.type)}`);
  knownKeys('', v, TOP_KEYS, 'a known key');
  const system = new FresnelOpticalSystem({
    beamRadius: v.beamRadius as number,
    npix: v.npix as number | undefined,
    oversample: v.oversample as number | undefined,
    name: v.name as string | undefined,
    conventions: v.conventions as Conventions | undefined,
    bandLimit: v.bandLimit as boolean | undefined,
  });
  if (!Array.isArray(v.planes) || v.planes.length === 0) throw new TypeError(`planes must be a non-empty array of planes, got ${show(v.planes)}`);
  v.planes.forEach((pl, i) => {
    const path = `planes[${i}]`;
    if (!isObject(pl)) throw new TypeError(`${path} must be an object { distance, optics }, got ${show(pl)}`);
    knownKeys(`${path}.`, pl, ['distance', 'optics', 'mftSampling', 'name'], 'a known key');
    const optics = pl.optics === undefined ? [] : pl.optics;
    if (!Array.isArray(optics)) throw new TypeError(`${path}.optics must be an array of optics, got ${show(optics)}`);
    system.addOptic(
      optics.map((o, j) => opticOrLens(o, `${path}.optics[${j}]`, baseDir)),
      { distance: pl.distance === undefined ? 0 : (pl.distance as number), mftSampling: pl.mftSampling as MftSampling | undefined },
    );
  });
  if (!isObject(v.detector)) throw new TypeError(`detector must be an object { pixelSize or pixelscale, fovPixels, distance }, got ${show(v.detector)}`);
  system.addDetector(v.detector as never);
  if (v.source !== undefined) system.defaultSource = resolveSource(v.source);
  if (v.normalize !== undefined) system.defaultNormalize = oneOf('normalize', v.normalize, ['first', 'last', 'none'] as const);
  return system;
}
