/**
 * Charts of a PSF's measurements (Vega-Lite, drawn as the benchmark charts
 * are): its radial profile, its encircled energy, and a coronagraph's
 * contrast curve, each with axes in arcsec and a legend.
 */
import { contrastCurve, radialProfile, radiusAtEe } from '../analysis';
import type { PsfImage } from './psf';

const WIDTH = 560;
const HEIGHT = 340;

function chart(title: string, subtitle: string, rows: object[], y: { title: string; log: boolean }, extra: object[] = []): object {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'r', type: 'quantitative', title: 'radius (arcsec)' },
          y: { field: 'v', type: 'quantitative', title: y.title, scale: y.log ? { type: 'log' } : { domain: [0, 1] } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top-right' } },
        },
      },
      ...extra,
    ],
    config: { font: 'DejaVu Sans' },
  };
}

/** Rows where the log scale can draw them (positive values). */
const positive = (rows: { v: number }[]) => rows.filter((row) => row.v > 0 && Number.isFinite(row.v));

/** The azimuthal mean (and mean + 1σ) over the peak, log scale. */
export function profileChart(img: PsfImage, name: string): object {
  const p = radialProfile(img);
  const peak = img.data.reduce((m, v) => Math.max(m, v), -Infinity);
  const rows = Array.from(p.radius).flatMap((r, k) =>
    p.count[k]! > 0
      ? [
          { r, v: p.mean[k]! / peak, series: 'azimuthal mean' },
          { r, v: (p.mean[k]! + p.std[k]!) / peak, series: 'mean + 1σ' },
        ]
      : [],
  );
  return chart('Radial profile', name, positive(rows), { title: 'intensity / peak', log: true });
}

/** Encircled energy (fraction of the image's flux), with the 50 % and 80 % radii marked. */
export function eeChart(img: PsfImage, name: string): object {
  const p = radialProfile(img);
  const rows = Array.from(p.ee, (v, k) => ({ r: p.radius[k]! + img.pixelscale / 2, v, series: 'encircled energy' }));
  const marks = [0.5, 0.8].map((f) => ({ r: radiusAtEe(img, f), f, label: `${Math.round(f * 100)} % within ${radiusAtEe(img, f).toPrecision(3)}″` }));
  const rules = {
    data: { values: marks },
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' }, encoding: { x: { field: 'r', type: 'quantitative' } } },
      {
        mark: { type: 'text', align: 'left', dx: 6, dy: 10, color: 'gray' },
        encoding: { x: { field: 'r', type: 'quantitative' }, y: { field: 'f', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
  return chart('Encircled energy', name, [{ r: 0, v: 0, series: 'encircled energy' }, ...rows], { title: 'fraction of the image flux', log: false }, [rules]);
}

/** Ring mean and standard deviation over the off-axis peak, log scale. */
export function contrastChart(img: PsfImage, offAxisPeak: number, name: string): object {
  const c = contrastCurve(img, { offAxisPeak });
  const rows = Array.from(c.radius).flatMap((r, k) =>
    c.count[k]! > 0
      ? [
          { r, v: c.mean[k]!, series: 'azimuthal mean' },
          { r, v: c.std[k]!, series: 'azimuthal std' },
        ]
      : [],
  );
  return chart('Contrast', `${name}, over the off-axis peak ${offAxisPeak.toPrecision(4)}`, positive(rows), { title: 'contrast', log: true });
}
