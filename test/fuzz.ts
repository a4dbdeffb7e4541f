// The fuzz suite: property-based (fast-check) mutations of every example
// system, kernel calls with odd shapes, data and options, and CLI
// invocations. Each batch runs in its own process, so a native crash fails
// the batch with its seed instead of taking the test runner down. Seeds are
// fixed (AIRY_FUZZ_SEED shifts them) and the counts bounded: ~2,500 cases.
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const BATCH = path.join(__dirname, 'helpers', 'fuzz-batch.ts');
const BASE = Number(process.env.AIRY_FUZZ_SEED ?? 20261203);

const batches: [kind: string, seedOffset: number, runs: number][] = [
  ['systems', 0, 400],
  ['systems', 1, 400],
  ['systems', 2, 400],
  ['kernels', 0, 1200],
  ['cli', 0, 40],
];

for (const [kind, offset, runs] of batches) {
  const seed = BASE + offset;
  t.test(`${kind}: ${runs} cases, seed ${seed}`, async (t) => {
    const r = spawnSync(process.execPath, [...process.execArgv, BATCH, kind, String(seed), String(runs)], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    t.equal(r.signal, null, `the batch process was not killed (seed ${seed}): ${r.stderr.slice(-400)}`);
    t.equal(r.status, 0, `the batch process exited cleanly (seed ${seed}): ${r.stderr.slice(-400)}`);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const result = JSON.parse(line || '{}') as { runs?: number; failure?: { counterexample: string; error: string } };
    t.notOk(result.failure, result.failure ? `seed ${seed}: ${result.failure.error}\ncounterexample ${result.failure.counterexample}` : 'no failure');
    t.equal(result.runs, runs, 'every case ran');
  });
}
