/** `airy plot`: a PSF file's radial profile, encircled energy or contrast curve as a PNG chart. */
import * as path from 'node:path';
import { renderChart } from '../io/chart';
import { checkOutputPath } from '../io/files';
import { contrastChart, eeChart, profileChart } from '../io/plots';
import { readPsfFile } from './measure';
import { UsageError } from './usage';

export interface PlotOptions {
  output?: string;
  ext?: number;
  profile?: boolean;
  ee?: boolean;
  contrast?: boolean;
  /** The unocculted peak: a number, or a FITS file whose HDU of the same index holds the off-axis PSF. */
  offAxisPeak?: string;
}

function offAxisPeakOf(given: string | undefined, ext: number): number {
  if (given === undefined) throw new UsageError('--contrast needs --off-axis-peak <value | off-axis PSF FITS file>');
  const v = Number(given);
  if (given.trim() !== '' && Number.isFinite(v)) {
    if (!(v > 0)) throw new UsageError(`--off-axis-peak must be > 0, got ${given}`);
    return v;
  }
  const ref = readPsfFile(given, ext);
  return ref.data.reduce((m, x) => Math.max(m, x), -Infinity);
}

export async function plotCommand(file: string, opts: PlotOptions): Promise<void> {
  const kinds = (['profile', 'ee', 'contrast'] as const).filter((k) => opts[k]);
  if (kinds.length !== 1) throw new UsageError('give one of --profile, --ee or --contrast');
  const ext = opts.ext ?? 0;
  const img = readPsfFile(file, ext);
  const out = opts.output || `${path.basename(file, path.extname(file))}-${kinds[0]}.png`;
  try {
    checkOutputPath(out, 'PNG chart', 'ERR_AIRY_WRITE');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const name = `${path.basename(file)}[${ext}]`;
  const spec =
    kinds[0] === 'profile' ? profileChart(img, name) : kinds[0] === 'ee' ? eeChart(img, name) : contrastChart(img, offAxisPeakOf(opts.offAxisPeak, ext), name);
  await renderChart(spec, { png: out });
  console.log(`${out}: ${kinds[0]} of ${name}`);
}
