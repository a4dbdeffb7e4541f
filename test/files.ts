// Inputs must be regular files (a FIFO would block a read forever) and
// outputs never replace a FIFO, a device or a symlink. Odd files are made in
// a temporary folder; nothing touches /dev.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CircularAperture, FitsOptic, OpticalSystem, loadSystem, loadWisdom, saveWisdom } from '../lib/index';
import { writeOutputs } from '../lib/io/files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-files-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const fifo = path.join(dir, 'fifo');
const made = spawnSync('mkfifo', [fifo]).status === 0;

t.test('a FIFO or a directory as an input is a clear error, at once', { skip: !made && 'mkfifo unavailable' }, async (t) => {
  const t0 = performance.now();
  t.throws(() => loadSystem({ file: fifo }), { code: 'ERR_AIRY_JSON', message: /system file .*fifo is a FIFO, not a regular file/ });
  t.throws(() => new FitsOptic({ transmission: fifo, pixelscale: 0.1 }), {
    code: 'ERR_AIRY_FITS',
    message: /FitsOptic\.transmission: FITS file .*fifo is a FIFO/,
  });
  t.throws(() => loadWisdom(fifo), { code: 'ERR_AIRY_WISDOM_READ', message: /is a FIFO/ });
  t.throws(() => loadSystem({ file: dir }), { code: 'ERR_AIRY_JSON', message: /is a directory/ });
  t.ok(performance.now() - t0 < 5000, 'none of them blocks');
});

t.test('outputs never replace a FIFO or a symlink; the FIFO stays a FIFO', { skip: !made && 'mkfifo unavailable' }, async (t) => {
  const o = new OpticalSystem({ npix: 32 });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addDetector({ pixelscale: 0.05, fovPixels: 8 });
  const psf = await o.calcPsf({ wavelength: 1e-6 });
  await t.rejects(psf.writeFits(fifo), { code: 'ERR_AIRY_FITS', message: /is a FIFO; airy replaces only regular files/ });
  t.throws(() => psf.writeFitsSync(fifo), { code: 'ERR_AIRY_FITS' });
  t.throws(() => saveWisdom(fifo), { code: 'ERR_AIRY_WISDOM_WRITE', message: /is a FIFO/ });
  t.ok(fs.lstatSync(fifo).isFIFO(), 'the FIFO is still there');
  const target = path.join(dir, 'target.fits');
  fs.writeFileSync(target, 'keep me');
  const link = path.join(dir, 'link.fits');
  fs.symlinkSync(target, link);
  await t.rejects(psf.writeFits(link), { code: 'ERR_AIRY_FITS', message: /is a symbolic link/ });
  t.equal(fs.readFileSync(target, 'utf8'), 'keep me', 'the link target is untouched');
  const ok = path.join(dir, 'psf.fits');
  await psf.writeFits(ok);
  await psf.writeFits(ok);
  t.ok(fs.statSync(ok).size > 2880, 'a regular file is written and replaced');
  t.same(
    fs
      .readdirSync(dir)
      .filter((f) => !/^(set|sigint)-/.test(f))
      .sort(),
    ['fifo', 'link.fits', 'psf.fits', 'target.fits'],
    'no temporary files left',
  );
});

t.test('writeOutputs writes a set all or nothing, leaving no temporary file', async (t) => {
  const out = fs.mkdtempSync(path.join(dir, 'set-'));
  const a = path.join(out, 'a.fits');
  fs.writeFileSync(a, 'earlier');
  const ok = (file: string, text: string) => ({ file, what: 'test file', code: 'ERR_AIRY_WRITE', write: (s: string) => fs.writeFileSync(s, text) });
  const failing = {
    file: path.join(out, 'b.png'),
    what: 'PNG picture',
    code: 'ERR_AIRY_WRITE',
    write: () => Promise.reject(new Error('ENOSPC: no space left on device')),
  };
  await t.rejects(writeOutputs([ok(a, 'new'), failing]), { code: 'ERR_AIRY_WRITE', message: /cannot write PNG picture .*b\.png: ENOSPC/ });
  t.same(fs.readdirSync(out), ['a.fits'], 'no temporary file, no second output');
  t.equal(fs.readFileSync(a, 'utf8'), 'earlier', 'the first output was not replaced');
  const ac = new AbortController();
  ac.abort();
  await t.rejects(writeOutputs([ok(a, 'new')], ac.signal), { code: 'ABORT_ERR' });
  t.equal(fs.readFileSync(a, 'utf8'), 'earlier', 'an aborted set replaces nothing');
  await writeOutputs([ok(a, 'new'), ok(path.join(out, 'b.png'), 'png')]);
  t.same(fs.readdirSync(out).sort(), ['a.fits', 'b.png']);
  t.equal(fs.readFileSync(a, 'utf8'), 'new');
  await t.rejects(writeOutputs([ok(path.join(out, 'none', 'c.fits'), 'x')]), { code: 'ERR_AIRY_WRITE', message: /its directory .*none does not exist/ });
});

t.test('a second SIGINT while a set is being written exits at once and removes its temporary files', async (t) => {
  const out = fs.mkdtempSync(path.join(dir, 'sigint-'));
  const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, 'helpers', 'interrupted-write.ts'), out], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(r.status, 130, `exit code 130 (${r.signal ?? 'no signal'}) ${r.stderr}`);
  t.same(fs.readdirSync(out), [], 'nothing written, nothing left');
});
