// A caller in the middle of a long processes-mode PSF (argv[2]: fork or
// spawn); it prints {"started":true} once its workers are busy. test/faults.ts
// kills it and looks for what it left. Fork needs OPENBLAS_NUM_THREADS=1.
import { longPsf } from './long-psf';

void longPsf(process.argv[2] as 'fork' | 'spawn', () => console.log(JSON.stringify({ started: true })));
