// Faults from outside: a caller killed in the middle of a call leaves no
// process behind.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';

/** Whether a process still runs (a zombie waiting for its new parent to reap it does not). */
const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
};
const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
};

t.test('fork mode: SIGKILL to the caller ends its forked children at once', async (t) => {
  const caller = spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'helpers', 'fork-caller.ts')], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  caller.stderr.on('data', (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    caller.stdout.on('data', (d) => String(d).includes('started') && resolve());
    caller.on('exit', (code) => reject(new Error(`the caller exited (${code}) before its children started: ${stderr}`)));
  });
  const forked = childrenOf(caller.pid!);
  t.ok(forked.length >= 2, `forked children running: ${forked.join(', ')}`);
  const t0 = Date.now();
  caller.kill('SIGKILL');
  while (forked.some(alive) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
  const ms = Date.now() - t0;
  t.notOk(forked.some(alive), `children gone ${ms} ms after the caller was killed`);
  t.ok(ms < 200, `within 200 ms: ${ms} ms`);
});
