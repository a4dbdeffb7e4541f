// Runs a long PSF in fork or spawn mode, SIGKILLs one of its own workers once
// they are busy, and prints how long the call took to fail after that (JSON).
// Started by test/faults.ts (fork with OPENBLAS_NUM_THREADS=1).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { shutdownPool } from '../../lib/index';
import { longPsf } from './long-psf';

const startMethod = process.argv[2] as 'fork' | 'spawn';
let killedAt = 0;
longPsf(startMethod, () => {
  // Its own workers: children that are not the TypeScript loader's esbuild service.
  const kids = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number)
    .filter((pid) => !readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('esbuild'));
  killedAt = performance.now();
  process.kill(kids[0]!, 'SIGKILL');
}).then(
  () => console.log(JSON.stringify({ resolved: true })),
  async (e) => {
    console.log(JSON.stringify({ code: e.code, ms: performance.now() - killedAt, message: String(e.message).slice(0, 200) }));
    await shutdownPool();
  },
);
