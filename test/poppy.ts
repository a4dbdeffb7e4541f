// airy against POPPY: the systems of test/poppy/systems.json with
// conventions 'poppy' (each optic sampled as POPPY's class of that name
// samples it) give POPPY's PSFs to 1e-6 of the peak. The reference arrays
// come from test/poppy/reference.py run on POPPY's source.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSystem } from '../lib/index';

const DIR = path.join(__dirname, 'poppy');
const systems = JSON.parse(fs.readFileSync(path.join(DIR, 'systems.json'), 'utf8')) as { name: string; system: Record<string, unknown> }[];
const { wavelength } = JSON.parse(fs.readFileSync(path.join(DIR, 'reference', 'versions.json'), 'utf8')) as { wavelength: number };

/** A little-endian float64 .npy array (the header is skipped). */
function readNpy(file: string): Float64Array {
  const b = fs.readFileSync(file);
  const headerLength = b.readUInt16LE(8);
  if (
    !b
      .subarray(10, 10 + headerLength)
      .toString('latin1')
      .includes("'<f8'")
  )
    throw new Error(`${file}: not little-endian float64`);
  const data = b.subarray(10 + headerLength);
  return new Float64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

for (const { name, system } of systems) {
  t.test(`${name}: airy with conventions 'poppy' is POPPY's PSF to 1e-6 of peak`, async (t) => {
    const poppy = readNpy(path.join(DIR, 'reference', `${name}.npy`));
    const psf = await loadSystem(system).calcPsf({ wavelength, normalize: 'first' });
    t.equal(psf.data.length, poppy.length, 'same detector size');
    const peak = poppy.reduce((m, v) => Math.max(m, v), 0);
    const worst = psf.data.reduce((m, v, i) => Math.max(m, Math.abs(v - poppy[i]!)), 0);
    t.ok(worst < 1e-6 * peak, `max |airy − POPPY| = ${(worst / peak).toExponential(2)} of peak`);
  });
}

t.test("conventions 'airy' (the default) differs from POPPY where POPPY samples binary edges", async (t) => {
  const hex = systems.find((s) => s.name === 'hexagon')!;
  const poppy = readNpy(path.join(DIR, 'reference', 'hexagon.npy'));
  const psf = await loadSystem({ ...hex.system, conventions: 'airy' }).calcPsf({ wavelength, normalize: 'first' });
  const peak = poppy.reduce((m, v) => Math.max(m, v), 0);
  const worst = psf.data.reduce((m, v, i) => Math.max(m, Math.abs(v - poppy[i]!)), 0);
  t.ok(worst > 1e-4 * peak, `anti-aliased hexagon vs POPPY's binary one: ${(worst / peak).toExponential(2)} of peak`);
});
