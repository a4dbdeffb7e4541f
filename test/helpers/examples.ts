/** The shipped example files, split into optical systems, Fresnel systems and PSF grids. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');

/** What an example file holds: a grid wraps its system under "system"; a Fresnel system says "type": "fresnel". */
function kindOf(file: string): 'grid' | 'fresnel' | 'system' {
  const json = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as Record<string, unknown>;
  return 'system' in json ? 'grid' : json.type === 'fresnel' ? 'fresnel' : 'system';
}

function examplesOf(kind: 'grid' | 'fresnel' | 'system'): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json') && kindOf(f) === kind)
    .sort();
}

/** File names (not paths) of the example (Fraunhofer) optical systems, sorted. */
export function exampleSystemFiles(): string[] {
  return examplesOf('system');
}

/** File names of the example Fresnel systems, sorted. */
export function exampleFresnelFiles(): string[] {
  return examplesOf('fresnel');
}
