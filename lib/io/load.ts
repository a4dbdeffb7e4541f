/**
 * Optical systems from JSON (ARCHITECTURE §6). Every problem is reported with
 * its JSON path, e.g. `planes[1].optics[0].radius must be greater than 0`.
 */
import * as nodePath from 'node:path';
import { AiryError } from '../errors';
import { readRegularFile } from './files';
import { resolveSource } from '../engine/source';
import { type DetectorOptions, type MaskModel, OpticalSystem, type Normalize, type Propagation } from '../engine/system';
import { type Conventions, opticFromJson } from '../optics';
import { knownKeys, oneOf, show } from '../validate';

const TOP_KEYS = [
  'npix',
  'oversample',
  'pupilDiameter',
  'name',
  'planes',
  'source',
  'normalize',
  'precision',
  'propagation',
  'maskSampling',
  'maskModel',
  'conventions',
];
const PLANE_KEYS: Record<string, string[]> = {
  pupil: ['kind', 'optics', 'name'],
  image: ['kind', 'optics', 'name', 'propagation', 'maskSampling', 'maskModel'],
  detector: ['kind', 'pixelscale', 'fovArcsec', 'fovPixels', 'oversample', 'offsetX', 'offsetY', 'rotation', 'pixelIntegration', 'name'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Builds an {@link OpticalSystem} from a JSON system: a JSON string, an
 * already-parsed object, or (`{ file }`) a path to a JSON file (relative
 * paths in it, such as FitsOptic files, are relative to the file, or to
 * `opts.baseDir` for a string or object). The system's
 * `source`, `normalize` and `precision` become the defaults of its `calcPsf`.
 * @throws AiryError `ERR_AIRY_JSON` for malformed JSON; TypeError/RangeError
 *   naming the JSON path for a bad value, unknown key or unknown optic type;
 *   AiryError `ERR_AIRY_SYSTEM` for an impossible plane sequence
 */
export function loadSystem(json: string | object | { file: string }, opts: { baseDir?: string } = {}): OpticalSystem {
  const { v, baseDir } = systemJson(json, opts.baseDir);
  if (v.type === 'fresnel') throw new TypeError('this is a Fresnel system ("type": "fresnel"): load it with loadFresnelSystem');
  knownKeys('', v, TOP_KEYS, 'a known key');
  const osys = new OpticalSystem(
    {
      npix: v.npix as number | undefined,
      oversample: v.oversample as number | undefined,
      pupilDiameter: v.pupilDiameter as number | undefined,
      name: v.name as string | undefined,
      propagation: v.propagation as Propagation | undefined,
      maskSampling: v.maskSampling as number | undefined,
      maskModel: v.maskModel as MaskModel | undefined,
      conventions: v.conventions as Conventions | undefined,
    },
    '',
  );
  if (!Array.isArray(v.planes) || v.planes.length === 0) throw new TypeError(`planes must be a non-empty array of planes, got ${show(v.planes)}`);
  v.planes.forEach((pl, i) => {
    const path = `planes[${i}]`;
    if (!isObject(pl)) throw new TypeError(`${path} must be an object with a "kind", got ${show(pl)}`);
    const kind = oneOf(`${path}.kind`, pl.kind, ['pupil', 'image', 'detector'] as const);
    knownKeys(`${path}.`, pl, PLANE_KEYS[kind]!, 'a known key');
    if (kind === 'detector') {
      const { kind: _kind, ...detector } = pl;
      osys.addDetector(detector as unknown as DetectorOptions, path); // checked there, naming the path
      return;
    }
    const optics = pl.optics === undefined ? [] : pl.optics;
    if (!Array.isArray(optics)) throw new TypeError(`${path}.optics must be an array of optics, got ${show(optics)}`);
    const list = optics.map((o, k) => opticFromJson(o, `${path}.optics[${k}]`, baseDir));
    if (kind === 'pupil') osys.addPupil(list, { name: pl.name as string | undefined });
    else
      osys.addImage(list, {
        name: pl.name as string | undefined,
        propagation: pl.propagation as Propagation | undefined,
        maskSampling: pl.maskSampling as number | undefined,
        maskModel: pl.maskModel as MaskModel | undefined,
        path,
      });
  });
  osys.validate();
  if (v.source !== undefined) {
    if (!isObject(v.source)) throw new TypeError(`source must be an object { wavelengths, weights } or { spectrum, bandpass, nlambda }, got ${show(v.source)}`);
    osys.defaultSource = resolveSource(v.source); // reported at load time, with its path; a spectrum becomes its wavelengths
  }
  if (v.normalize !== undefined) osys.defaultNormalize = oneOf('normalize', v.normalize, ['first', 'last', 'exit_pupil', 'none'] as const) as Normalize;
  if (v.precision !== undefined) osys.defaultPrecision = oneOf('precision', v.precision, ['double', 'single'] as const);
  return osys;
}

/**
 * A system's JSON object from text, an object or `{ file }`, and the folder
 * its relative paths are taken from.
 */
export function systemJson(json: string | object | { file: string }, baseDir?: string): { v: Record<string, unknown>; baseDir: string | undefined } {
  let v: unknown = json;
  if (isObject(json) && typeof json.file === 'string' && Object.keys(json).length === 1) {
    const file = json.file;
    let text: string;
    try {
      text = readRegularFile(file, 'system file', 'ERR_AIRY_JSON');
    } catch (e) {
      throw new AiryError(`cannot read system file ${file}: ${(e as Error).message}`, 'ERR_AIRY_JSON', { cause: e });
    }
    v = parseJson(text, file);
    baseDir = nodePath.dirname(nodePath.resolve(file));
  } else if (typeof json === 'string') {
    v = parseJson(json, 'system');
  }
  if (!isObject(v)) throw new TypeError(`the system must be a JSON object, got ${show(v)}`);
  return { v, baseDir };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AiryError(`${where}: malformed JSON: ${(e as Error).message}`, 'ERR_AIRY_JSON', { cause: e });
  }
}
