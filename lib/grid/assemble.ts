/**
 * A finished grid as files: per focus step one FITS cube in the layout
 * WebbPSF's CreatePSFLibrary writes and photutils' GriddedPSFModel reads
 * (primary HDU (npsf, ny, nx) of oversampled PSFs, DET_YXi = "(y, x)",
 * OVERSAMP, NUM_PSFS), and a JSON index of every point.
 */
import type { AbortSignalLike } from '../signal';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { type FitsHdu, writeFitsImagesAsync } from '../io/fits';
import { type Output, writeOutputs } from '../io/files';
import type { Psf } from '../io/psf';
import { version } from '../version';
import type { ResultStore } from './store';
import type { GridPoint, ResolvedGrid } from './spec';

/** What a grid run wrote. */
export interface GridFiles {
  /** One FITS cube per focus step, in focus order. */
  fits: string[];
  /** The JSON index. */
  index: string;
}

/** Keywords of each PSF copied into the grid's header. */
const COPIED = ['WAVELEN', 'NWAVES', 'NORMALIZ', 'DIFFLMT', 'PUPLDIAM', 'NPIX', 'DET_SAMP', 'PRECISION'];

/** A number as Python prints a float, as WebbPSF's "(y, x)" strings have it. */
const pyFloat = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));

/** File names of the grid's cubes: `grid.fits`, or `grid_focus<k>.fits` with focus steps. */
export function gridFileNames(grid: ResolvedGrid): string[] {
  return grid.focus.length === 1 ? ['grid.fits'] : grid.focus.map((_, k) => `grid_focus${k}.fits`);
}

function cube(grid: ResolvedGrid, focus: number, points: GridPoint[], psfs: Psf[]): FitsHdu {
  const first = psfs[0]!;
  const [ny, nx] = first.shape;
  const data = new Float64Array(psfs.length * ny * nx);
  for (const [i, p] of psfs.entries()) data.set(p.data, i * ny * nx);
  const cards: FitsHdu['cards'] = [
    ['PIXELSCL', first.pixelscale, 'Pixel scale in arcsec/pixel'],
    ['OVERSAMP', first.oversample, 'Oversampling factor of the PSFs vs detector pixels'],
    ['NUM_PSFS', psfs.length, 'The total number of fiducial PSFs'],
    ['FOVPIXEL', Math.round(nx / first.oversample), 'Field of view in detector pixels'],
    ['FOCUS', grid.focus[focus]!, 'Defocus added, metres RMS of Z4'],
    ['DETSIZEY', grid.detector[0], 'Detector rows the grid spans'],
    ['DETSIZEX', grid.detector[1], 'Detector columns the grid spans'],
  ];
  for (const k of COPIED) {
    const v = first.header[k];
    if (v !== undefined) cards.push([k, v]);
  }
  for (const [i, p] of points.entries()) cards.push([`DET_YX${i}`, `(${pyFloat(p.y)}, ${pyFloat(p.x)})`, `PSF ${i}'s (y,x) detector pixel position`]);
  cards.push(['ORIGIN', `airy ${version}`, 'Software that computed the grid']);
  return { data, shape: [psfs.length, ny, nx], cards };
}

/** Writes the grid's cubes and index into `dir` from the stored points, all or nothing. */
export async function assembleGrid(grid: ResolvedGrid, keys: string[], store: ResultStore, dir: string, signal?: AbortSignalLike): Promise<GridFiles> {
  const names = gridFileNames(grid);
  const outputs: Output[] = names.map((name, k) => {
    const at = grid.points.map((p, i) => ({ p, key: keys[i]! })).filter(({ p }) => p.focus === k);
    return {
      file: path.join(dir, name),
      what: 'PSF grid',
      code: 'ERR_AIRY_FITS',
      write: (s: string) =>
        writeFitsImagesAsync(s, [
          cube(
            grid,
            k,
            at.map((a) => a.p),
            at.map((a) => store.get(a.key)),
          ),
        ]),
    };
  });
  const index = path.join(dir, 'grid.json');
  const json = indexJson(grid, keys, names);
  outputs.push({ file: index, what: 'grid index', code: 'ERR_AIRY_WRITE', write: (s) => fs.writeFileSync(s, json) });
  await writeOutputs(outputs, signal);
  return { fits: names.map((n) => path.join(dir, n)), index };
}

function indexJson(grid: ResolvedGrid, keys: string[], names: string[]): string {
  const index = {
    name: grid.name,
    airy: version,
    detector: grid.detector,
    pixelscale: grid.pixelscale,
    focus: grid.focus,
    files: names,
    points: grid.points.map((p, i) => ({ ...p, file: names[p.focus], plane: p.field, key: keys[i] })),
  };
  return `${JSON.stringify(index, null, 1)}\n`;
}
