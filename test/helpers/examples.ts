/** The shipped example files, split into optical systems and PSF grids. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');

/** A grid file wraps its system under "system"; an optical system has no such key. */
function isGrid(file: string): boolean {
  const json = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as object;
  return 'system' in json;
}

/** File names (not paths) of the example optical systems, sorted. */
export function exampleSystemFiles(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json') && !isGrid(f))
    .sort();
}
