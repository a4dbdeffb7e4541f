// Aborts a long PSF in every parallel mode once its first wavelength is done,
// then runs a short one in the same mode; prints, per mode, how long the
// abort took to reject and whether the next answer equals the serial one.
// Started by test/faults.ts with OPENBLAS_NUM_THREADS=1 (fork mode needs it).
import { type CalcPsfOptions, shutdownPool } from '../../lib/index';
import { lyotSystem, MANY_WAVELENGTHS } from './long-psf';

const o = lyotSystem(128);
const few = { source: { wavelengths: [1e-6, 1.1e-6, 1.2e-6] } };

const modes: [string, CalcPsfOptions][] = [
  ['none', { parallel: 'none' }],
  ['threads', { parallel: 'threads', nProcesses: 2 }],
  ['spawn', { parallel: 'processes', startMethod: 'spawn', nProcesses: 2 }],
  ['fork', { parallel: 'processes', startMethod: 'fork', nProcesses: 2 }],
];

async function main() {
  const serial = (await o.calcPsf({ ...few, parallel: 'none' })).data;
  const report: Record<string, { code?: string; ms: number; next: number }> = {};
  for (const [name, mode] of modes) {
    const ac = new AbortController();
    let abortedAt = 0;
    const onProgress = () => {
      if (abortedAt) return;
      abortedAt = performance.now();
      ac.abort();
    };
    const code = await o.calcPsf({ source: { wavelengths: MANY_WAVELENGTHS }, ...mode, signal: ac.signal, onProgress }).then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    const ms = performance.now() - abortedAt;
    const next = (await o.calcPsf({ ...few, ...mode })).data;
    report[name] = { code, ms, next: Math.max(...next.map((v, i) => Math.abs(v - serial[i]!))) };
  }
  shutdownPool();
  console.log(JSON.stringify(report));
}
void main();
