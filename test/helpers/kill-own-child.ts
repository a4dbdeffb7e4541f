// Runs a long PSF in fork or spawn mode, SIGKILLs one of its own workers once
// they are busy, and prints how long the call took to fail after that (JSON).
// Started by test/faults.ts (fork with OPENBLAS_NUM_THREADS=1).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CircularAperture, CircularOcculter, OpticalSystem, shutdownPool } from '../../lib/index';

const startMethod = process.argv[2] as 'fork' | 'spawn';
const o = new OpticalSystem({ npix: 256, oversample: 4, propagation: 'fft' });
o.addPupil(new CircularAperture({ radius: 1 }));
o.addImage(new CircularOcculter({ radius: 0.1 }));
o.addPupil(new CircularAperture({ radius: 0.9 }));
o.addDetector({ pixelscale: 0.01, fovPixels: 40 });
const wavelengths = Array.from({ length: 200 }, (_, i) => 1e-6 * (1 + i / 1000));
let killedAt = 0;
o.calcPsf({
  source: { wavelengths, weights: wavelengths.map(() => 1) },
  parallel: 'processes',
  startMethod,
  nProcesses: 2,
  allowOversubscribe: true,
  onProgress: (p) => {
    if (p.done !== 1) return;
    // Its own workers: children that are not the TypeScript loader's esbuild service.
    const kids = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number)
      .filter((pid) => !readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('esbuild'));
    killedAt = performance.now();
    process.kill(kids[0]!, 'SIGKILL');
  },
}).then(
  () => console.log(JSON.stringify({ resolved: true })),
  async (e) => {
    console.log(JSON.stringify({ code: e.code, ms: performance.now() - killedAt, message: String(e.message).slice(0, 200) }));
    await shutdownPool();
  },
);
