import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const COMPARE = path.join(__dirname, '..', 'benchmarks', 'compare.ts');
const run = (...files: string[]) => spawnSync(process.execPath, [...process.execArgv, COMPARE, ...files], { encoding: 'utf8' });

t.test('bench:compare flags slow-downs beyond the noise between repeats', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-cmp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, points: object[]) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify({ machine: { cpu: 'test', commit: name }, points }));
    return f;
  };
  const pt = (mode: string, seconds: number, runs: number[]) => ({ workload: 'imaging', k: 1, mode, seconds, runs });
  const old = file('old.json', [pt('serial', 1.0, [0.99, 1.0, 1.01]), pt('threads', 0.5, [0.4, 0.5, 0.6])]);
  // serial: 30% slower with 2% noise -> flagged; threads: 30% slower but 40% noise -> not flagged.
  const slower = file('new.json', [pt('serial', 1.3, [1.29, 1.3, 1.31]), pt('threads', 0.65, [0.5, 0.65, 0.7])]);
  let r = run(old, slower);
  t.equal(r.status, 1, 'exit 1 when a point is slower');
  t.match(r.stdout, /imaging\s+1\s+serial\s+1\.000\s+1\.300\s+1\.300\s+\d+%\s+SLOWER/);
  t.match(r.stdout, /imaging\s+1\s+threads\s+0\.500\s+0\.650\s+1\.300\s+\d+%\s+same/);
  t.match(r.stdout, /2 points compared, 1 slower beyond noise/);
  const same = file('same.json', [pt('serial', 1.02, [1.0, 1.02, 1.03])]);
  r = run(old, same);
  t.equal(r.status, 0, 'exit 0 within noise');
  r = run(old);
  t.equal(r.status, 2, 'usage error');
  fs.writeFileSync(path.join(dir, 'bad.json'), '{}');
  r = run(old, path.join(dir, 'bad.json'));
  t.equal(r.status, 2);
  t.match(r.stderr, /no "points" array/);
});
