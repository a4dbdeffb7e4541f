/**
 * OpticalSystem.toJSON: every example system survives JSON and builds the
 * same system; a few are computed both ways and give the same PSF bit for bit.
 */
import * as path from 'node:path';
import t from 'tap';
import { loadSystem } from '../lib/index';
import { EXAMPLES_DIR, exampleSystemFiles } from './helpers/examples';

const dir = EXAMPLES_DIR;
const examples = exampleSystemFiles();

t.test('every example round-trips through toJSON', async (t) => {
  for (const f of examples) {
    const a = loadSystem({ file: path.join(dir, f) });
    const json = JSON.parse(JSON.stringify(a));
    const b = loadSystem(json, { baseDir: dir });
    t.same(JSON.parse(JSON.stringify(b)), json, `${f}: loading the JSON gives the same JSON`);
  }
});

t.test('a round-tripped system computes the same PSF', async (t) => {
  for (const f of ['fits-optic.json', 'deformable-mirrors.json', 'segmented-telescope.json', 'lyot-coronagraph.json', 'turbulence.json']) {
    const a = loadSystem({ file: path.join(dir, f) });
    const b = loadSystem(JSON.parse(JSON.stringify(a)), { baseDir: dir });
    const [pa, pb] = [await a.calcPsf(), await b.calcPsf()];
    let same = pa.data.length === pb.data.length;
    for (let i = 0; same && i < pa.data.length; i++) same = pa.data[i] === pb.data[i];
    t.ok(same, `${f}: identical PSF`);
  }
});
