// The built package loads from ES modules and CommonJS alike (dist/ is made
// by `npm install` through the prepare script).
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { missingLibraryHelp } from '../lib/binding';

const root = path.resolve(__dirname, '..');
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

t.test('ESM: import { ... } from "airy"', async (t) => {
  const r = node([
    '--input-type=module',
    '-e',
    "import { mft, blasInfo, version } from 'airy'; import airy from 'airy';" +
      'const m = mft({ data: new Float64Array(8), shape: [2, 2] }, { nlamD: 1, npix: 2 });' +
      'console.log(typeof (await m).data.length, blasInfo().vendor.length > 0, version === airy.version);',
  ]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'number true true');
});

t.test('CommonJS: require("airy") shares one instance with ESM', async (t) => {
  const r = node([
    '-e',
    "const a = require('airy'); a.config.set({ fftThreads: 2 });" + "import('airy').then((m) => console.log(m.config.get('fftThreads')));",
  ]);
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
  t.equal(
    missingLibraryHelp('libcfitsio.so.10: cannot open shared object file', { os: 'linux', manager: 'dnf' }),
    'libcfitsio.so.10 is missing: sudo dnf install -y cfitsio-devel',
  );
  t.equal(
    missingLibraryHelp('Library not loaded: /opt/homebrew/lib/libfftw3.3.dylib', { os: 'darwin', manager: 'brew' }),
    'libfftw3.3.dylib is missing: brew install fftw',
  );
  t.match(missingLibraryHelp('libblas.so.3: cannot open shared object file', { os: 'linux', manager: 'none' })!, /libopenblas-dev \(Debian\/Ubuntu\)/);
  t.equal(missingLibraryHelp('some other error', { os: 'linux', manager: 'apt' }), undefined);
});

t.test('the picture packages are optional: the core computes without them; PNG output names the package to install', async (t) => {
  const hide = `export async function resolve(s, c, next) {
    if (['vega', 'vega-lite', '@resvg/resvg-js', 'pngjs'].includes(s)) { const e = new Error('Cannot find package ' + s); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
    return next(s, c);
  }`;
  const script = `
    require('node:module').register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hide)}));
    const airy = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
    (async () => {
      const o = new airy.OpticalSystem({ npix: 32 });
      o.addPupil(new airy.CircularAperture({ radius: 1 }));
      o.addDetector({ pixelscale: 0.05, fovPixels: 8 });
      const psf = await o.calcPsf({ wavelength: 1e-6 });
      let png;
      try { await psf.toPng(require('node:path').join(require('node:os').tmpdir(), 'airy-no-png-' + process.pid + '.png')); png = 'written'; } catch (e) { png = e.code + ': ' + e.message; }
      console.log(JSON.stringify({ total: psf.total(), png }));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  t.ok(out.total > 0.8, 'a PSF is computed without the picture packages');
  t.match(out.png, /^ERR_AIRY_MISSING_PACKAGE: .*npm install (vega|pngjs|@resvg\/resvg-js)/, 'PNG output names the package to install');
});
