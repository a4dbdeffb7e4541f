/** The optics reference (docs/optics.md), written from the optic definitions themselves. */
import { opticTypes } from './optic';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Markdown describing every optic: planes, parameters with units and defaults. */
export function opticsReference(): string {
  const out = [
    '# Optics reference',
    '',
    'Generated from the optic definitions in lib/optics (`npm run docs:optics`); a test keeps it current.',
    'Every optic takes the same parameters in code and in JSON. Besides its own, each takes `shiftX`, `shiftY`',
    '(metres in a pupil plane, arcsec in an image plane; default 0), `rotation` (degrees counter-clockwise;',
    'default 0) and `name`, except CompoundOptic, whose members are placed instead.',
    '',
  ];
  for (const [type, C] of opticTypes()) {
    const d = C.definition;
    const planes = typeof d.planes === 'function' ? 'set by its parameters' : d.planes.join(', ');
    out.push(`## ${type}`, '', d.doc, '', `Planes: ${planes}.`, '', '| parameter | unit | default | description |', '| --- | --- | --- | --- |');
    for (const [name, p] of Object.entries(d.params)) {
      out.push(`| \`${name}\` | ${cell(p.unit || '–')} | ${p.required ? 'required' : cell(p.defaultText || '–')} | ${cell(p.doc)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** The one-paragraph TSDoc an optic class carries (its doc and parameters with units); a test checks the sources. */
export function opticSummary(type: string): string {
  const C = opticTypes().get(type);
  if (!C) throw new RangeError(`unknown optic type ${type}`);
  const d = C.definition;
  const ps = Object.entries(d.params)
    .map(([n, p]) => `${n}${p.unit ? ` (${p.unit})` : ''}${p.required ? '' : p.defaultText ? `, default ${p.defaultText}` : ', optional'}`)
    .join('; ');
  return `${d.doc}${ps ? ` Parameters: ${ps}.` : ''} Reference: docs/optics.md.`;
}
