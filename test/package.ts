// The built package loads from ES modules and CommonJS alike (dist/ is made
// by `npm install` through the prepare script).
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { missingLibraryHelp } from '../lib/binding';

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
  t.match(fs.readFileSync(path.join(root, 'dist', 'engine', 'kernels.d.ts'), 'utf8'), /export declare function mft/);
});

t.test('a missing system library names the install command for the platform', async (t) => {
  const msg = 'libfftw3.so.3: cannot open shared object file: No such file or directory';
  t.equal(missingLibraryHelp(msg, { os: 'linux', manager: 'apt' }), 'libfftw3.so.3 is missing: sudo apt-get install -y libfftw3-dev');
  t.equal(missingLibraryHelp('libcfitsio.so.10: cannot open shared object file', { os: 'linux', manager: 'dnf' }), 'libcfitsio.so.10 is missing: sudo dnf install -y cfitsio-devel');
  t.equal(missingLibraryHelp('Library not loaded: /opt/homebrew/lib/libfftw3.3.dylib', { os: 'darwin', manager: 'brew' }), 'libfftw3.3.dylib is missing: brew install fftw');
  t.match(missingLibraryHelp('libblas.so.3: cannot open shared object file', { os: 'linux', manager: 'none' })!, /libopenblas-dev \(Debian\/Ubuntu\)/);
  t.equal(missingLibraryHelp('some other error', { os: 'linux', manager: 'apt' }), undefined);
});
