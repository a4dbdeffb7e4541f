// The built package loads from ES modules and CommonJS alike (dist/ is made
// by `npm install` through the prepare script).
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(__dirname, '..');
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

t.test('ESM: import { ... } from "airy"', async (t) => {
  const r = node(['--input-type=module', '-e',
    "import { mft, blasInfo, version } from 'airy'; import airy from 'airy';" +
    "const m = mft({ data: new Float64Array(8), shape: [2, 2] }, { nlamD: 1, npix: 2 });" +
    "console.log(typeof (await m).data.length, blasInfo().vendor.length > 0, version === airy.version);"]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'number true true');
});

t.test('CommonJS: require("airy") shares one instance with ESM', async (t) => {
  const r = node(['-e',
    "const a = require('airy'); a.config.set({ fftThreads: 2 });" +
    "import('airy').then((m) => console.log(m.config.get('fftThreads')));"]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '2');
});

t.test('type declarations are emitted', async (t) => {
  const fs = await import('node:fs');
  t.ok(fs.existsSync(path.join(root, 'dist', 'index.d.ts')));
  t.match(fs.readFileSync(path.join(root, 'dist', 'kernels.d.ts'), 'utf8'), /export declare function mft/);
});
