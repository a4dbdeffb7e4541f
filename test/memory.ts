// Memory limits as the process sees them: its own cgroup (v1 memory
// controller or v2) and the cgroups above it, found through /proc/self/cgroup
// and /proc/self/mountinfo; checked on injected files and, where the machine
// lets a test make a child cgroup, for real.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cgroupRoom, type FileReader } from '../lib/run/memory';

const MB = 2 ** 20;
const files =
  (m: Record<string, string>): FileReader =>
  (p) =>
    m[p];

const V1_MOUNTS = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

t.test("cgroup v1: the process's own memory cgroup and its parents, the tightest room wins", async (t) => {
  const read = files({
    '/proc/self/cgroup': '4:memory:/jobs/job7\n1:cpu:/\n0::/\n',
    '/proc/self/mountinfo': V1_MOUNTS,
    '/sys/fs/cgroup/memory/jobs/job7/memory.limit_in_bytes': String(700 * MB),
    '/sys/fs/cgroup/memory/jobs/job7/memory.usage_in_bytes': String(100 * MB),
    '/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes': String(2000 * MB),
    '/sys/fs/cgroup/memory/jobs/memory.usage_in_bytes': String(1800 * MB),
    '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
    '/sys/fs/cgroup/memory/memory.usage_in_bytes': String(5000 * MB),
  });
  t.equal(cgroupRoom(read), 200 * MB, 'the parent has 200 MB left, the own cgroup 600 MB');
});

t.test('cgroup v2, inside a cgroup namespace (mount root = the cgroup): limits read where they are', async (t) => {
  const read = files({
    '/proc/self/cgroup': '0::/ns/app\n',
    '/proc/self/mountinfo': '50 40 0:40 /ns /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
    '/sys/fs/cgroup/app/memory.max': String(512 * MB),
    '/sys/fs/cgroup/app/memory.current': String(12 * MB),
    '/sys/fs/cgroup/memory.max': 'max',
    '/sys/fs/cgroup/memory.current': String(900 * MB),
  });
  t.equal(cgroupRoom(read), 500 * MB);
});

t.test('no limit anywhere, or no cgroup files: no room figure', async (t) => {
  t.equal(
    cgroupRoom(
      files({
        '/proc/self/cgroup': '0::/\n',
        '/proc/self/mountinfo': '40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
        '/sys/fs/cgroup/memory.max': 'max',
        '/sys/fs/cgroup/memory.current': '1000',
      }),
    ),
    undefined,
  );
  t.equal(cgroupRoom(files({})), undefined);
});

/** This process's own v1 memory cgroup directory, if the machine has one that a test may write to. */
function ownMemoryCgroup(): string | undefined {
  const line = fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const dir = line ? path.join('/sys/fs/cgroup/memory', line.split(':')[2]!) : undefined;
  try {
    if (dir) fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

t.test('for real: a child process in a 700 MiB child cgroup sees the limit', async (t) => {
  const parent = ownMemoryCgroup();
  if (!parent) {
    t.comment('this machine has no writable cgroup v1 memory controller; the injected cases above stand');
    t.pass('no cgroup to make here');
    return;
  }
  const dir = path.join(parent, `airy-test-${process.pid}`);
  fs.mkdirSync(dir);
  t.teardown(() => fs.rmdirSync(dir));
  fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(700 * MB));
  const lib = path.join(__dirname, '..', 'lib', 'index');
  const workload = path.join(__dirname, '..', 'benchmarks', 'workloads', 'coronagraph.json');
  // The standard coronagraph at k = 2 needs ~450 MB a worker: inside 700 MiB one worker fits, not two.
  const script = `const a = require(${JSON.stringify(lib)}); const j = require(${JSON.stringify(workload)});
    j.oversample = 2; j.planes[3].oversample = 2; j.propagation = 'fft';
    console.log(JSON.stringify({ ...a.availableMemory(), workers: a.estimateOptimalNProcesses(a.loadSystem(j), 10) }))`;
  const r = spawnSync('sh', ['-c', `echo $$ > ${path.join(dir, 'cgroup.procs')} && exec "$0" "$@"`, process.execPath, ...process.execArgv, '-e', script], {
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as { bytes: number; source: string; workers: number };
  t.equal(seen.source, 'cgroup memory limit');
  t.equal(seen.workers, 1, 'the worker estimate fits the cgroup');
  t.ok(seen.bytes <= 700 * MB && seen.bytes > 400 * MB, `room seen inside: ${(seen.bytes / MB).toFixed(0)} MiB`);
});
