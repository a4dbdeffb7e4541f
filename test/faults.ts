// Faults from outside: a caller killed in the middle of a call leaves no
// process and no shared-memory file behind; a worker killed in the middle of
// a call fails it at once. The time bounds leave room for the other test
// files running beside this one (alone: 17-55 ms where 250 ms is allowed);
// before the fixes these took 0.6 to 5 s or never happened.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { running } from './helpers/processes';

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

/** Starts a helper caller and resolves once its first wavelength is done. */
async function startCaller(startMethod: 'fork' | 'spawn', env: NodeJS.ProcessEnv = {}) {
  const caller = spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'helpers', 'caller.ts'), startMethod], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  caller.stderr.on('data', (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    caller.stdout.on('data', (d) => String(d).includes('started') && resolve());
    caller.on('exit', (code) => reject(new Error(`the caller exited (${code}) before it started: ${stderr}`)));
  });
  return caller;
}

t.test('fork mode: SIGKILL to the caller ends its forked children at once', async (t) => {
  const caller = await startCaller('fork', { OPENBLAS_NUM_THREADS: '1' });
  const forked = childrenOf(caller.pid!);
  t.ok(forked.length >= 2, `forked children running: ${forked.join(', ')}`);
  const t0 = Date.now();
  caller.kill('SIGKILL');
  while (forked.some(running) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
  const ms = Date.now() - t0;
  t.notOk(forked.some(running), `children gone ${ms} ms after the caller was killed`);
  t.ok(ms < 250, `within 250 ms: ${ms} ms`);
});

t.test('spawn mode: SIGKILL to the caller leaves no shared-memory file, and its workers exit', async (t) => {
  const caller = await startCaller('spawn');
  const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : '';
  const mine = () => (shm ? fs.readdirSync(shm).filter((f) => f.startsWith(`airy-${caller.pid}-`)) : []);
  t.same(mine(), [], 'while it runs, its shared files are already unlinked (held by descriptors)');
  const workers = childrenOf(caller.pid!);
  t.ok(workers.length >= 2, `workers running: ${workers.join(', ')}`);
  caller.kill('SIGKILL');
  const t0 = Date.now();
  while (workers.some(running) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  t.notOk(workers.some(running), `workers gone ${Date.now() - t0} ms after the caller was killed`);
  t.same(mine(), [], 'no shared-memory file left');
});

for (const startMethod of ['fork', 'spawn'] as const) {
  t.test(`${startMethod}: a worker killed mid-call fails the call at once, naming it`, async (t) => {
    const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, 'helpers', 'kill-own-child.ts'), startMethod], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    t.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { code?: string; ms?: number; message?: string };
    t.equal(out.code, 'ERR_AIRY_WORKER_DIED', out.message ?? '');
    t.ok((out.ms ?? Infinity) < 250, `failed ${out.ms?.toFixed(1)} ms after the kill`);
  });
}

t.test('abort in every mode: rejects within a wavelength, and the next call in that mode gives the serial answer', async (t) => {
  const r = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, 'helpers', 'abort-modes.ts')], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  t.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, { code?: string; ms: number; next: number }>;
  for (const mode of ['none', 'threads', 'spawn', 'fork']) {
    const m = report[mode];
    t.equal(m?.code, 'ABORT_ERR', `${mode}: rejected with ABORT_ERR`);
    t.ok((m?.ms ?? Infinity) < 500, `${mode}: ${m?.ms.toFixed(1)} ms after the abort (one wavelength takes ~20 ms)`);
    t.ok((m?.next ?? Infinity) <= 1e-12, `${mode}: the next call equals serial (max |Δ| ${m?.next})`);
  }
});
