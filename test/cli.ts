import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { CircularAperture, loadSystem, OpticalSystem, readFits, readFitsCube, readFitsImage, ZernikeWFE } from '../lib/index';
import { entrancePupil } from '../lib/io/pupil';

const BIN = path.resolve(__dirname, '..', 'bin', 'airy.js');
const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const airy = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000, ...opts });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'airy-cli-'));

t.test('airy info --json describes the machine, config sources and worker counts', async (t) => {
  const r = airy(['info', '--json']);
  t.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.match(j, {
    airy: String,
    cores: Number,
    blas: { vendor: String, library: String, warnings: Array },
    fftw: { version: /^fftw-3/ },
    cfitsio: /^\d+\.\d+$/,
    config: { fftThreads: { value: 1, source: 'default' }, parallel: { value: 'none', source: 'default' } },
    memory: { available: Number },
  });
  t.ok(j.cpu.features.length > 0);
  for (const w of ['imaging', 'coronagraph']) {
    t.ok(j.workers[w].nProcesses >= 1 && j.workers[w].nProcesses <= Math.min(j.cores, j.workers[w].wavelengths), `${w}: ${j.workers[w].nProcesses} workers`);
  }
});

t.test('airy info prints a readable report; config from the environment is attributed', async (t) => {
  const r = airy(['info'], { env: { ...process.env, AIRY_FFT_THREADS: '2' } });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^blas\s+\S+/m);
  t.match(r.stdout, /^fftw\s+fftw-3/m);
  t.match(r.stdout, /fftThreads\s+2\s+env \(AIRY_FFT_THREADS\)/);
  t.match(r.stdout, /^workers \(estimateOptimalNProcesses/m);
});

t.test('airy psf writes FITS and PNG and prints a summary', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fits = path.join(dir, 'lyot.fits');
  const png = path.join(dir, 'lyot.png');
  const r = airy([
    'psf',
    path.join(EXAMPLES, 'lyot-coronagraph.json'),
    '-o',
    fits,
    '--png',
    png,
    '--wavelengths',
    '0.9e-6,1e-6,1.1e-6',
    '--weights',
    '1,2,1',
    '--parallel',
    'threads',
    '--nprocs',
    '2',
  ]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /shape 200x200, pixel scale 0\.01000″\/px, flux [\d.e-]+, peak [\d.e-]+, time [\d.]+ s, mode threads, workers 2/);
  const psf = readFits(fits);
  t.same(psf.shape, [200, 200]);
  t.equal(psf.header.NWAVES, 3);
  t.equal(psf.header.WGHT1, 0.5);
  t.match(String(psf.header.PARALLEL), /^threads, 2 workers/);
  const img = PNG.sync.read(fs.readFileSync(png));
  t.ok(img.width >= 800 && img.height >= 700, `PNG decodes, ${img.width}x${img.height}`);
  t.equal(r.stderr.includes('wavelengths'), true, 'plain progress lines when stderr is not a terminal');
});

t.test('airy psf --json --quiet: machine-readable summary, no progress', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = airy(['psf', path.join(EXAMPLES, 'circular-aperture.json'), '-o', path.join(dir, 'a.fits'), '--wavelength', '2e-6', '--json', '--quiet']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
  const j = JSON.parse(r.stdout);
  t.match(j, { shape: [200, 200], pixelscale: 0.01, flux: Number, seconds: Number, parallel: { mode: 'none', workers: 1 } });
  t.ok(j.flux > 0.9 && j.flux < 1, `flux ${j.flux}`);
});

t.test('airy psf --json says how each image plane was propagated; the FITS header too', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'lyot.fits');
  const r = airy(['psf', path.join(EXAMPLES, 'lyot-coronagraph.json'), '-o', out, '--wavelength', '1e-6', '--json', '--quiet']);
  t.equal(r.status, 0, r.stderr);
  t.match(JSON.parse(r.stdout).imagePlanes, [{ plane: 1, method: 'mft', sampling: 4, model: 'analytic', reason: /auto/ }]);
  t.match(readFits(out).header, { IMPROP1: 'mft', IMSAMP1: 4, IMMODL1: 'analytic' });
});

t.test('airy psf --start-method fork: same PSF as serial with a one-thread BLAS; refused with a code otherwise', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sys = path.join(EXAMPLES, 'lyot-coronagraph.json');
  const lam = ['--wavelengths', '1e-6,1.1e-6,1.2e-6', '-q'];
  const one = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  let r = airy(['psf', sys, '-o', path.join(dir, 'serial.fits'), ...lam], { env: one });
  t.equal(r.status, 0, r.stderr);
  r = airy(['psf', sys, '-o', path.join(dir, 'fork.fits'), ...lam, '--parallel', 'processes', '--start-method', 'fork', '--nprocs', '2'], { env: one });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /mode processes\/fork, workers 2/);
  const a = readFits(path.join(dir, 'serial.fits'));
  const b = readFits(path.join(dir, 'fork.fits'));
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!));
  t.ok(d <= 1e-12 * Math.max(...a.data), `forked children match serial (max difference ${d})`);

  const env = { ...process.env };
  delete env.OPENBLAS_NUM_THREADS;
  delete env.OMP_NUM_THREADS;
  const info = JSON.parse(airy(['info', '--json'], { env }).stdout);
  r = airy(['psf', sys, '-o', path.join(dir, 'refused.fits'), ...lam, '--parallel', 'processes', '--start-method', 'fork', '--nprocs', '2'], { env });
  if (info.blas.threadsStarted) {
    t.equal(r.status, 2, 'a refused set-up is a usage error');
    t.match(r.stderr, /^airy: \[ERR_AIRY_FORK_AFTER_BLAS_THREADS\] Refusing to fork: .*OPENBLAS_NUM_THREADS=1/m);
    t.notOk(fs.existsSync(path.join(dir, 'refused.fits')), 'nothing written');
  } else {
    t.equal(r.status, 0, `${info.blas.vendor}/${info.blas.threading}: no BLAS threads at load, fork allowed`);
  }
});

t.test('a malformed system exits 2 with the JSON path and no stack trace', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(
    bad,
    JSON.stringify({
      npix: 64,
      planes: [
        { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: -2 }] },
        { kind: 'detector', pixelscale: 0.1, fovArcsec: 1 },
      ],
      source: { wavelengths: [1e-6] },
    }),
  );
  let r = airy(['psf', bad]);
  t.equal(r.status, 2);
  t.match(r.stderr, /planes\[0\]\.optics\[0\]\.radius must be greater than 0, got -2/);
  t.notMatch(r.stderr, / {4}at /, 'no stack trace');
  r = airy(['psf', bad, '--verbose']);
  t.match(r.stderr, / {4}at /, '--verbose shows the stack');
  fs.writeFileSync(bad, '{ "npix": 64, "planes": [');
  r = airy(['psf', bad]);
  t.equal(r.status, 2);
  t.match(r.stderr, /malformed JSON/);
  r = airy(['psf', path.join(dir, 'missing.json')]);
  t.equal(r.status, 2);
  t.match(r.stderr, /does not exist/);
  r = airy(['psf', path.join(EXAMPLES, 'circular-aperture.json'), '--parallel', 'gpu']);
  t.equal(r.status, 2);
  t.match(r.stderr, /Allowed choices are none, processes, threads, auto/);
  r = airy(['psf', path.join(EXAMPLES, 'circular-aperture.json'), '--wavelengths', '1e-6,x']);
  t.equal(r.status, 2);
  t.match(r.stderr, /--wavelengths must be comma-separated numbers/);
});

t.test('airy demo writes FITS and PNG files for a telescope and a coronagraph', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = airy(['demo', '--quiet'], { cwd: dir });
  t.equal(r.status, 0, r.stderr);
  for (const name of ['telescope', 'coronagraph']) {
    const fits = path.join(dir, 'airy-demo', `${name}.fits`);
    const png = path.join(dir, 'airy-demo', `${name}.png`);
    t.ok(fs.existsSync(fits) && fs.existsSync(png), `${name}.fits and ${name}.png`);
    t.match(r.stdout, new RegExp(`${name}\\s+airy-demo/${name}\\.fits, airy-demo/${name}\\.png: shape \\d+x\\d+.*time [\\d.]+ s`));
    const psf = readFits(fits);
    t.equal(psf.header.NWAVES, 5);
    t.ok(PNG.sync.read(fs.readFileSync(png)).width > 500);
  }
});

t.test('usage errors exit with code 2; every command has --help', async (t) => {
  const r = airy(['no-such-command']);
  t.equal(r.status, 2);
  t.match(r.stderr, /unknown command/);
  for (const c of [[], ['info'], ['psf'], ['demo'], ['bench']]) {
    const h = airy([...c, '--help']);
    t.equal(h.status, 0, `airy ${c.join(' ')} --help`);
    t.match(h.stdout, /Usage: airy/);
  }
  t.equal(airy(['psf']).status, 2, 'missing argument');
});

t.test('the entrance pupil is sampled as the propagation samples it, its OPD unwrapped (nm)', async (t) => {
  const o = new OpticalSystem({ npix: 64 });
  const wfe = new ZernikeWFE({ radius: 1, coefficients: [0, 0, 0, 2e-6] });
  o.addPupil([new CircularAperture({ radius: 1 }), wfe]);
  o.addDetector({ pixelscale: 0.1, fovPixels: 8 });
  const p = entrancePupil(o);
  const g = { ny: 64, nx: 64, cy: 31.5, cx: 31.5, scale: 2 / 64 };
  const own = wfe.sample(g, { y0: 0, x0: 0, ny: 64, nx: 64 }).opd!;
  t.ok(
    p.opd.every((v, k) => (p.amplitude[k]! > 0 ? Math.abs(v - own[k]! * 1e9) < 1e-9 : v === 0)),
    '2 µm RMS of defocus, not wrapped to ±λ/2',
  );
  t.ok(Math.max(...p.opd) > 3000, `OPD peak ${Math.max(...p.opd).toFixed(0)} nm`);
});

t.test('airy pupil draws the entrance pupil (amplitude, OPD) as PNG, with or without a source', async (t) => {
  const dir = tmp();
  const amp = path.join(dir, 'pupil.png');
  const opd = path.join(dir, 'opd.png');
  const r = airy(['pupil', path.join(EXAMPLES, 'segmented-telescope.json'), '-o', amp, '--opd', opd]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /pupil\.png \+ .*opd\.png: entrance pupil, \d+×\d+ samples/);
  for (const f of [amp, opd]) {
    const png = PNG.sync.read(fs.readFileSync(f));
    t.ok(png.width > 400 && png.height > 400, `${path.basename(f)}: ${png.width}×${png.height}`);
  }
  t.same(fs.readdirSync(dir).sort(), ['opd.png', 'pupil.png'], 'nothing else written');
  const noSource = path.join(dir, 'nosource.json');
  fs.writeFileSync(
    noSource,
    JSON.stringify({
      npix: 32,
      planes: [
        { kind: 'pupil', optics: [{ type: 'CircularAperture', radius: 1 }] },
        { kind: 'detector', pixelscale: 0.1, fovPixels: 8 },
      ],
    }),
  );
  const ok = airy(['pupil', noSource, '-o', path.join(dir, 'x.png')]);
  t.equal(ok.status, 0, ok.stderr);
});

t.test('airy measure prints the numbers of a PSF file (text and JSON); airy psf --measure adds them; bad input is exit 2', async (t) => {
  const file = path.join(__dirname, 'poppy', 'reference', 'measure-psf.fits');
  const r = airy(['measure', file, '--ee', '0.1,0.3']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /80×80 pixels of 0\.010000″/);
  t.match(r.stdout, /FWHM 0\.1061\d″ \(profile\), 0\.1061\d″ \(fit\)/);
  t.match(r.stdout, /EE\(0\.10000″\) = 0\.860\d\d, EE\(0\.30000″\) = 0\.978\d\d/);
  const j = airy(['measure', file, '--ext', '1', '--json']);
  t.equal(j.status, 0, j.stderr);
  const m = JSON.parse(j.stdout);
  t.equal(m.extname, 'DET_SAMP');
  t.same(m.shape, [40, 40]);
  t.ok(Math.abs(m.fwhm.profile / 0.10612 - 1) < 0.01, `detector-sampled FWHM ${m.fwhm.profile}`);
  t.equal(m.radiusAtEe.length, 2);
  const dir = tmp();
  const p = airy(['psf', path.join(EXAMPLES, 'circular-aperture.json'), '-o', path.join(dir, 'a.fits'), '--measure', '-q']);
  t.equal(p.status, 0, p.stderr);
  t.match(p.stdout, /FWHM 0\.10\d\d″, r50 0\.05\d+″, r80 0\.0\d+″/);
  const missing = airy(['measure', path.join(dir, 'none.fits')]);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /FITS file .*none\.fits does not exist/);
  fs.writeFileSync(path.join(dir, 'bad.fits'), 'not a FITS file');
  const bad = airy(['measure', path.join(dir, 'bad.fits')]);
  t.equal(bad.status, 2, bad.stderr);
  const ee = airy(['measure', file, '--ee', '0.1,x']);
  t.equal(ee.status, 2);
  t.match(ee.stderr, /--ee must be comma-separated numbers/);
});

t.test('airy plot draws the profile, the encircled energy and a contrast curve as PNG; bad usage is exit 2', async (t) => {
  const file = path.join(__dirname, 'poppy', 'reference', 'measure-psf.fits');
  const dir = tmp();
  for (const kind of ['--profile', '--ee']) {
    const out = path.join(dir, `${kind.slice(2)}.png`);
    const r = airy(['plot', file, kind, '-o', out]);
    t.equal(r.status, 0, r.stderr);
    const png = PNG.sync.read(fs.readFileSync(out));
    t.ok(png.width > 600 && png.height > 400, `${kind}: ${png.width}×${png.height}`);
  }
  const c = airy(['plot', file, '--contrast', '--off-axis-peak', file, '-o', path.join(dir, 'c.png')]);
  t.equal(c.status, 0, c.stderr);
  t.match(c.stdout, /contrast of measure-psf\.fits\[0\]/);
  const none = airy(['plot', file, '-o', path.join(dir, 'x.png')]);
  t.equal(none.status, 2);
  t.match(none.stderr, /give one of --profile, --ee or --contrast/);
  const peak = airy(['plot', file, '--contrast', '-o', path.join(dir, 'x.png')]);
  t.equal(peak.status, 2);
  t.match(peak.stderr, /--contrast needs --off-axis-peak/);
  const dirOut = airy(['plot', file, '--ee', '-o', path.join(dir, 'missing', 'x.png')]);
  t.equal(dirOut.status, 2, dirOut.stderr);
  t.same(fs.readdirSync(dir).sort(), ['c.png', 'ee.png', 'profile.png'], 'nothing else written');
});

t.test('airy psf --jitter --charge-diffusion --ipc writes the four WebbPSF HDUs; a bad value is exit 2', async (t) => {
  const dir = tmp();
  const out = path.join(dir, 'd.fits');
  const r = airy(['psf', path.join(EXAMPLES, 'circular-aperture.json'), '-o', out, '--jitter', '0.01', '--charge-diffusion', '0.3', '--ipc', '0.02', '-q']);
  t.equal(r.status, 0, r.stderr);
  t.same(
    [0, 1, 2, 3].map((h) => readFitsImage(out, 'f', h).extname),
    ['OVERSAMP', 'DET_SAMP', 'OVERDIST', 'DET_DIST'],
  );
  const bad = airy(['psf', path.join(EXAMPLES, 'circular-aperture.json'), '-o', path.join(dir, 'x.fits'), '--ipc', '0.5', '-q']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /ipc\.alpha must be at most 0\.25, got 0\.5/);
  t.same(fs.readdirSync(dir), ['d.fits'], 'no file for the refused call');
});

t.test('airy psf --datacube writes one PSF per wavelength of a spectral source as a FITS cube', async (t) => {
  const dir = tmp();
  const out = path.join(dir, 'cube.fits');
  const system = path.join(EXAMPLES, 'blackbody-datacube.json');
  const r = airy(['psf', system, '--datacube', '-o', out, '--json', '-q']);
  t.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.same(j.shape, [5, 96, 160], '5 wavelengths of a [48, 80] detector at oversample 2');
  const cube = readFitsCube(out, 'f', 0);
  t.same(cube.shape, j.shape);
  t.same(
    [0, 1, 2, 3, 4].map((i) => cube.header[`WAVELN0${i}`]),
    j.wavelengths,
  );
  t.equal(cube.header.DETROT, 15);
  const summed = await loadSystem({ file: system }).calcPsf();
  const weights = summed.header;
  const planes = Array.from({ length: 5 }, (_, i) => cube.data.subarray(i * 96 * 160, (i + 1) * 96 * 160));
  const err = Math.max(...summed.data.map((v, k) => Math.abs(v - planes.reduce((s, p, i) => s + (weights[`WGHT${i}`] as number) * p[k]!, 0))));
  t.ok(err < 1e-15, `the weighted planes sum to the PSF (${err.toExponential(1)})`);
  const bad = airy(['psf', system, '--datacube', '--png', path.join(dir, 'x.png'), '-o', path.join(dir, 'x.fits'), '-q']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--datacube writes one PSF per wavelength; it does not take --png/);
  t.same(fs.readdirSync(dir), ['cube.fits'], 'no file for the refused call');
});
