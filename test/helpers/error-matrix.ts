// Runs the same failures in every parallel mode and prints what each raised
// (JSON on the last line). Started by test/run.ts with OPENBLAS_NUM_THREADS=1,
// so that the safety policy allows fork.
import { execFileSync } from 'node:child_process';
import { ArrayOptic, CircularAperture, CircularOcculter, OpticalSystem, ScalarTransmission, shutdownPool } from '../../lib/index';

const LAM = [1e-6, 1.1e-6, 1.2e-6, 1.3e-6];
const MODES = [
  { parallel: 'none' },
  { parallel: 'threads', nProcesses: 2 },
  { parallel: 'processes', startMethod: 'spawn', nProcesses: 2 },
  { parallel: 'processes', startMethod: 'fork', nProcesses: 2 },
] as const;

function coronagraph(lyot = 1): OpticalSystem {
  const o = new OpticalSystem({ npix: 256, oversample: 4, propagation: 'fft' });
  o.addPupil(new CircularAperture({ radius: 1 }));
  o.addImage(new CircularOcculter({ radius: 0.1 }));
  o.addPupil([new CircularAperture({ radius: 0.9 }), new ScalarTransmission({ transmission: lyot })]);
  o.addDetector({ pixelscale: 0.01, fovPixels: 40 });
  return o;
}

const children = () =>
  execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(Number);

async function outcome(run: () => Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run();
    return { message: 'resolved' };
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

(async () => {
  const out: Record<string, Record<string, { code?: string; message: string }>> = {};
  for (const mode of MODES) {
    const name = 'startMethod' in mode ? mode.startMethod : mode.parallel;
    const r: Record<string, { code?: string; message: string }> = {};
    // |E|² overflows: the fields are finite, the intensity is not.
    r.nonfinite = await outcome(() => coronagraph(1e200).calcPsf({ source: { wavelengths: LAM }, normalize: 'none', ...mode }));
    r.badOptic = await outcome(async () => new ArrayOptic({ transmission: [[1, Number.NaN]], pixelscale: 1 }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    r.abort = await outcome(() => coronagraph().calcPsf({ source: { wavelengths: LAM.concat(LAM, LAM) }, signal: ac.signal, ...mode }));
    if (mode.parallel === 'processes') {
      const o = coronagraph();
      await o.calcPsf({ source: { wavelengths: LAM.slice(0, 2) }, ...mode });
      const before = new Set(children());
      const run = o.calcPsf({ source: { wavelengths: LAM.concat(LAM, LAM) }, ...mode });
      // The call's own workers: the pool's (already running) or the fork children (new).
      await new Promise((res) => setTimeout(res, 60));
      const pids = mode.startMethod === 'fork' ? children().filter((p) => !before.has(p)) : [...before];
      if (pids[0]) process.kill(pids[0], 'SIGKILL');
      r.killed = await outcome(() => run);
      r.after = await outcome(() => o.calcPsf({ source: { wavelengths: LAM }, ...mode }));
    }
    out[name] = r;
  }
  shutdownPool();
  console.log(JSON.stringify(out));
})();
