/**
 * Charts and pictures: Vega-Lite specifications rendered to SVG by Vega and
 * to PNG by resvg (no browser, no canvas); all three are optional packages.
 */
import * as fs from 'node:fs';
import { type Output, writeOutputs } from './files';
import { optionalPackage } from './optional';

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: object): Promise<string> {
  const vega = await optionalPackage<{ View: new (r: unknown, o: object) => { toSVG(): Promise<string> }; parse(s: object): unknown }>(
    'vega',
    'Drawing charts',
  );
  const vl = await optionalPackage<{ compile(s: object): { spec: object } }>('vega-lite', 'Drawing charts');
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Converts SVG text to PNG bytes at `scale` (system fonts, DejaVu Sans preferred). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await optionalPackage<{ Resvg: new (s: string, o: object) => { render(): { asPng(): Buffer } } }>('@resvg/resvg-js', 'PNG output');
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  return r.render().asPng();
}

/** Renders a Vega-Lite spec to an SVG file and/or a PNG file. */
export async function renderChart(spec: object, out: { svg?: string; png?: string; scale?: number }): Promise<void> {
  const svg = await renderSvg(spec);
  const png = out.png ? await svgToPng(svg, out.scale ?? 2) : undefined;
  const outputs: Output[] = [];
  if (out.svg) outputs.push({ file: out.svg, what: 'SVG chart', code: 'ERR_AIRY_WRITE', write: (s) => fs.writeFileSync(s, svg) });
  if (out.png && png) outputs.push({ file: out.png, what: 'PNG chart', code: 'ERR_AIRY_WRITE', write: (s) => fs.writeFileSync(s, png) });
  await writeOutputs(outputs);
}
