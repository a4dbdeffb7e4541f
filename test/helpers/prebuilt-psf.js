// Runs in the test's bare root (test/package.ts) against airy installed from
// the packed tarball: computes a PSF through MFT and FFT planes, writes and
// reads it as FITS (the bundled CFITSIO), and prints one JSON line.
//   node prebuilt-psf.js SYSTEM.json OUT.fits
'use strict';
const fs = require('node:fs');
const airy = require('airy');

async function main() {
  const [systemFile, fitsFile] = process.argv.slice(2);
  const system = airy.loadSystem(JSON.parse(fs.readFileSync(systemFile, 'utf8')));
  const psf = await system.calcPsf({ parallel: 'none' });
  await psf.writeFits(fitsFile);
  const back = airy.readFits(fitsFile);
  const same = back.data.every((v, i) => v === psf.data[i]);
  const blas = airy.blasInfo();
  console.log(JSON.stringify({ data: Array.from(psf.data), shape: psf.shape, fitsRoundTrip: same, blas, fftw: airy.fftwInfo().version, cfitsio: airy.cfitsioVersion() }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
