// Detector effects: Gaussian jitter on a Gaussian PSF adds in quadrature at
// oversample 1, 2 and 4 (variance to 1e-9 relative); charge diffusion adds its
// variance in detector pixels at every oversample (1e-7 px²); diffusion and IPC
// conserve flux to 1e-12, edges included; IPC moves alpha to each neighbour;
// the FITS file carries WebbPSF's four HDUs and says what was applied.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Psf, readFits, readFitsImage } from '../lib/index';

const DET = 0.04; // arcsec per detector pixel

/** A Gaussian PSF of `sigma` arcsec, centred off the pixel grid, on n detector pixels at `oversample`. */
function gaussianPsf(sigma: number, oversample: number, n = 32, centre = [0.013, -0.021]): Psf {
  const m = n * oversample;
  const scale = DET / oversample;
  const data = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const [x, y] = [(j - (m - 1) / 2) * scale - centre[0]!, (i - (m - 1) / 2) * scale - centre[1]!];
      data[i * m + j] = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
    }
  const sum = data.reduce((s, v) => s + v, 0);
  return new Psf({ data: data.map((v) => v / sum), shape: [m, m], pixelscale: scale, oversample, header: {} });
}

/** Variance along x and y of an image, in its pixel units squared. */
function variance(data: Float64Array, n: number): [number, number] {
  let [s, sx, sy, sxx, syy] = [0, 0, 0, 0, 0];
  data.forEach((v, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    [s, sx, sy, sxx, syy] = [s + v, sx + v * j, sy + v * i, sxx + v * j * j, syy + v * i * i];
  });
  return [sxx / s - (sx / s) ** 2, syy / s - (sy / s) ** 2];
}

t.test('Gaussian jitter adds in quadrature at oversample 1, 2 and 4 (variance to 1e-9)', async (t) => {
  const [s0, sj] = [0.05, 0.03];
  for (const oversample of [1, 2, 4]) {
    const psf = gaussianPsf(s0, oversample);
    const out = psf.withDetectorEffects({ jitter: { sigma: sj } });
    const n = psf.shape[0];
    const [vx, vy] = variance(out.data, n).map((v) => v * out.pixelscale ** 2);
    const [bx] = variance(psf.data, n).map((v) => v * psf.pixelscale ** 2);
    t.ok(
      Math.abs(vx! - bx! - sj * sj) < 1e-9 * sj * sj && Math.abs(vy! - bx! - sj * sj) < 1e-9 * sj * sj,
      `oversample ${oversample}: σ ${Math.sqrt(vx!).toFixed(6)}″ vs √(σ0² + σj²) = ${Math.hypot(s0, sj).toFixed(6)}″`,
    );
    t.equal(out.header.JITRSIGM, sj, 'the header says what was applied');
  }
});

t.test('charge diffusion adds σ² in detector pixels at every oversample; diffusion and IPC conserve flux to 1e-12', async (t) => {
  for (const oversample of [1, 2, 4]) {
    const psf = gaussianPsf(0.04, oversample, 16, [0.25, 0.1]); // near an edge: flux reaches it
    const out = psf.withDetectorEffects({ chargeDiffusion: { sigma: 0.7 }, ipc: { alpha: 0.02 } });
    const total = psf.total();
    t.ok(Math.abs(out.distorted!.oversampled.data.reduce((s, v) => s + v, 0) - total) < 1e-12, `oversample ${oversample}: OVERDIST flux`);
    t.ok(Math.abs(out.distorted!.detector.data.reduce((s, v) => s + v, 0) - total) < 1e-12, `oversample ${oversample}: DET_DIST flux`);
    const centred = gaussianPsf(0.04, oversample, 48);
    const blurred = centred.withDetectorEffects({ chargeDiffusion: { sigma: 0.7 } });
    const [v0] = variance(centred.detSampled.data, 48);
    const [v1] = variance(blurred.distorted!.detector.data, 48);
    t.ok(Math.abs(v1! - v0! - 0.49) < 1e-7, `oversample ${oversample}: DET_DIST variance − DET_SAMP variance = ${(v1! - v0!).toFixed(8)} px²`);
  }
});

t.test('IPC moves alpha of a pixel to each of its four neighbours; a kernel is normalised; bad effects name the argument', async (t) => {
  const data = new Float64Array(25);
  data[12] = 1;
  const psf = new Psf({ data, shape: [5, 5], pixelscale: DET, oversample: 1, header: {} });
  const d = psf.withDetectorEffects({ ipc: { alpha: 0.02 } }).distorted!.detector.data;
  t.same(
    [d[12], d[7], d[11], d[13], d[17], d[6]].map((v) => Number(v!.toFixed(12))),
    [0.92, 0.02, 0.02, 0.02, 0.02, 0],
  );
  const k = psf.withDetectorEffects({
    ipc: {
      kernel: [
        [0, 1, 0],
        [1, 46, 1],
        [0, 1, 0],
      ],
    },
  }).distorted!.detector.data;
  t.ok(Math.abs(k[12]! - 0.92) < 1e-15, 'a kernel of sum 50 is divided by 50');
  t.throws(() => psf.withDetectorEffects({ ipc: { alpha: 0.3 } }), { message: /ipc\.alpha must be at most 0\.25/ });
  t.throws(() => psf.withDetectorEffects({ ipc: { kernel: [[1, 2]] } }), { message: /ipc\.kernel must be a 3 × 3 array/ });
  t.throws(() => psf.withDetectorEffects({ jitter: { sigma: -1 } }), { message: /jitter\.sigma must be at least 0/ });
  t.throws(() => psf.withDetectorEffects({ blur: 1 } as never), { message: /blur/ });
});

t.test("the FITS file has WebbPSF's OVERSAMP, DET_SAMP, OVERDIST and DET_DIST with their pixel scales and what was applied", async (t) => {
  const psf = gaussianPsf(0.05, 2).withDetectorEffects({ jitter: { sigma: 0.01 }, chargeDiffusion: { sigma: 0.5 }, ipc: { alpha: 0.01 } });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airy-det-')), 'psf.fits');
  await psf.writeFits(file);
  const names = [0, 1, 2, 3].map((h) => readFitsImage(file, 'f', h));
  t.same(
    names.map((h) => h.extname),
    ['OVERSAMP', 'DET_SAMP', 'OVERDIST', 'DET_DIST'],
  );
  t.same(
    names.map((h) => h.header.PIXELSCL),
    [DET / 2, DET, DET / 2, DET],
  );
  t.equal(names[3]!.header.CHDFSIGM, 0.5);
  t.match(String(names[3]!.header.IPCKERN), /^0\.00000 0\.0100000 /);
  t.same(Array.from(names[3]!.data), Array.from(psf.distorted!.detector.data), 'DET_DIST as computed');
  t.same(Array.from(readFits(file).data), Array.from(psf.data), 'readFits gives the ideal (jittered) PSF back');
});
