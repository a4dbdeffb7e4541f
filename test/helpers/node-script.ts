/**
 * Runs a script in a fresh Node process with this test's loaders (fork needs a
 * process of its own), checks that it exits cleanly, and returns the JSON of
 * its last line of output.
 */
import { spawnSync } from 'node:child_process';
import type { Test } from 'tap';

export function runNodeScript<T>(t: Test, script: string, opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): T {
  const env = opts.env ?? { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync(process.execPath, [...process.execArgv, '-e', script], { env, encoding: 'utf8', timeout: opts.timeout ?? 60_000 });
  t.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
