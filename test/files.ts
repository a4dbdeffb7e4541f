// Inputs must be regular files (a FIFO would block a read forever) and
// outputs never replace a FIFO, a device or a symlink. Odd files are made in
// a temporary folder; nothing touches /dev.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CircularAperture, FitsOptic, OpticalSystem, loadSystem, loadWisdom, saveWisdom } from '../lib/index';

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
  t.same(fs.readdirSync(dir).sort(), ['fifo', 'link.fits', 'psf.fits', 'target.fits'], 'no temporary files left');
});
