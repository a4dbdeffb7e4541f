// The CLI under faults from outside: interrupted by SIGINT or SIGTERM in
// every parallel mode, writing to a full disk or past a file-size limit,
// short of address space, or given an output path it cannot write. Each ends
// with a clear message and exit code, no worker and no shared-memory file
// left, and no output file written in part (an earlier file of the same name
// stays as it was). Odd set-ups are made in a temporary folder; nothing
// touches /dev.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { running } from './helpers/processes';
import { writeLongSystem } from './helpers/long-system';

const BIN = path.resolve(__dirname, '..', 'bin', 'airy.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-cli-faults-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const system = writeLongSystem(dir);
const small = path.join(dir, 'small.json');
fs.writeFileSync(small, fs.readFileSync(system, 'utf8').replace(/"wavelengths":\[[^\]]*\]/, '"wavelengths":[1e-6]'));

// The test runner's NODE_OPTIONS load its process-info hooks into every child
// node, whose own writes would then meet the limits these tests set.
const plainEnv = { ...process.env, NODE_OPTIONS: '' };

/** Files in `d` other than the systems: outputs and temporary files alike (hidden ones included). */
const outputsIn = (d: string) => fs.readdirSync(d).filter((f) => !f.endsWith('.json'));
const childrenOf = (pid: number): number[] => {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean).map(Number);
};
const shmOf = (pid: number) => (fs.existsSync('/dev/shm') ? fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`airy-${pid}-`)) : []);

const modes: [string, string[]][] = [
  ['none', ['--parallel', 'none']],
  ['threads', ['--parallel', 'threads', '--nprocs', '2']],
  ['processes/spawn', ['--parallel', 'processes', '--start-method', 'spawn', '--nprocs', '2']],
  ['processes/fork', ['--parallel', 'processes', '--start-method', 'fork', '--nprocs', '2']],
];

for (const [name, flags] of modes) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    t.test(`airy psf (${name}) interrupted by ${signal}: exit 128+n, nothing written, nothing left running`, async (t) => {
      const out = fs.mkdtempSync(path.join(dir, 'out-'));
      const cli = spawn(process.execPath, [BIN, 'psf', system, '-o', path.join(out, 'psf.fits'), '--png', path.join(out, 'psf.png'), ...flags], {
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, // fork mode needs the BLAS at one thread
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const started = new Promise<void>((resolve) => {
        cli.stderr.on('data', (d) => {
          stderr += d;
          if (/psf: \d+\/400 wavelengths/.test(stderr)) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
      await started;
      const workers = childrenOf(cli.pid!);
      const t0 = Date.now();
      cli.kill(signal);
      const code = await exited;
      const ms = Date.now() - t0;
      t.equal(code, 128 + os.constants.signals[signal], `exit code (${ms} ms after the signal)`);
      t.match(stderr, new RegExp(`interrupted by ${signal}`));
      t.ok(ms < 2000, `ended ${ms} ms after the signal`);
      await new Promise((r) => setTimeout(r, 300));
      t.same(workers.filter(running), [], `no worker left running (${workers.length} before)`);
      t.same(shmOf(cli.pid!), [], 'no shared-memory file left');
      t.same(outputsIn(out), [], 'no output and no temporary file');
    });
  }
}

t.test('a processes-mode run ends on its own: idle workers keep nothing ref’d', async (t) => {
  for (const method of ['spawn', 'fork']) {
    const out = path.join(dir, `own-${method}.fits`);
    const r = spawnSync(process.execPath, [BIN, 'psf', small, '-o', out, '--parallel', 'processes', '--start-method', method, '--quiet'], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    t.equal(r.status, 0, `${method}: exited by itself (${r.signal ?? 'no signal'}) ${r.stderr}`);
    fs.rmSync(out, { force: true });
  }
});

/** Runs `airy psf small.json` with outputs in `out` (FITS and PNG), behind an optional wrapper command. */
function psfInto(out: string, wrapper: string[] = [], extra: string[] = []) {
  const args = [BIN, 'psf', small, '-o', path.join(out, 'psf.fits'), '--png', path.join(out, 'psf.png'), '--quiet', ...extra];
  const [cmd, ...pre] = wrapper.length ? wrapper : [process.execPath];
  return spawnSync(cmd!, wrapper.length ? [...pre, process.execPath, ...args] : args, { encoding: 'utf8', timeout: 120_000, env: plainEnv });
}

t.test('an output in a missing directory is bad usage, found before the PSF is computed', async (t) => {
  const out = fs.mkdtempSync(path.join(dir, 'missing-'));
  const r = spawnSync(process.execPath, [BIN, 'psf', system, '-o', path.join(out, 'psf.fits'), '--png', path.join(out, 'no', 'such', 'psf.png'), '--quiet'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(r.status, 2, r.stderr);
  t.match(r.stderr, /cannot write PNG picture .*psf\.png: its directory .*no\/such does not exist/);
  t.same(outputsIn(out), [], 'the FITS file was not written either');
});

t.test('past a file-size limit (prlimit --fsize): a clear error; no file written, earlier files untouched', async (t) => {
  const out = fs.mkdtempSync(path.join(dir, 'fsize-'));
  fs.writeFileSync(path.join(out, 'psf.fits'), 'earlier FITS');
  const r = psfInto(out, ['prlimit', '--fsize=20000']);
  t.equal(r.status, 1, `${r.signal} ${r.error} ${r.stderr}`);
  t.match(r.stderr, /\[ERR_AIRY_FITS\] cannot write pixels to .*psf\.fits: error writing to FITS file: File too large/);
  t.same(outputsIn(out), ['psf.fits'], 'no temporary file, no PNG');
  t.equal(fs.readFileSync(path.join(out, 'psf.fits'), 'utf8'), 'earlier FITS', 'the earlier file is as it was');
  // Room for the FITS file but not for the PNG: neither is written.
  const fits = fs.statSync(path.join(psfOk(), 'psf.fits')).size;
  const r2 = psfInto(out, ['prlimit', `--fsize=${fits + 100}`], ['--decades', '8']);
  t.equal(r2.status, 1, r2.stderr);
  t.match(r2.stderr, /\[ERR_AIRY_WRITE\] cannot write PNG picture .*psf\.png: .*(too large|EFBIG)/);
  t.same(outputsIn(out), ['psf.fits'], 'the FITS file was not renamed into place without its PNG');
  t.equal(fs.readFileSync(path.join(out, 'psf.fits'), 'utf8'), 'earlier FITS');
});

/** The outputs of an unconstrained run, for their sizes. */
let okDir = '';
function psfOk(): string {
  if (okDir) return okDir;
  okDir = fs.mkdtempSync(path.join(dir, 'ok-'));
  const r = psfInto(okDir);
  if (r.status !== 0) throw new Error(r.stderr);
  return okDir;
}

// A private mount namespace with a 64 KiB tmpfs: a real full disk, where the
// machine allows one (root, user namespaces or CAP_SYS_ADMIN).
const canMountTmpfs = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${dir}`]).status === 0;

t.test(
  'on a full disk: a clear error, no temporary file left',
  { skip: !canMountTmpfs && 'cannot mount a tmpfs in a private mount namespace here' },
  async (t) => {
    const full = fs.mkdtempSync(path.join(dir, 'full-'));
    const script = `mount -t tmpfs -o size=64k tmpfs ${full} && echo 'earlier' > ${full}/psf.fits && "$@"; rc=$?; ls -A ${full}; exit $rc`;
    const r = spawnSync(
      'unshare',
      ['-m', 'sh', '-c', script, 'sh', process.execPath, BIN, 'psf', small, '-o', `${full}/psf.fits`, '--png', `${full}/psf.png`, '--quiet'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    t.equal(r.status, 1, r.stderr);
    t.match(r.stderr, /\[ERR_AIRY_(FITS|WRITE)\] cannot write .*psf\.(fits|png): .*(No space left on device|ENOSPC)/);
    t.same(r.stdout.trim().split('\n'), ['psf.fits'], 'only the earlier file is there');
  },
);

t.test('short of address space (prlimit --as): ERR_AIRY_NO_MEMORY wherever the allocation fails, never an abort', async (t) => {
  const big = path.join(dir, 'big.json');
  fs.writeFileSync(big, fs.readFileSync(small, 'utf8').replace('"npix":256', '"npix":4096'));
  const out = fs.mkdtempSync(path.join(dir, 'as-'));
  // Limits above the address space node itself reserves (V8's code range and heap), below what the system needs.
  const vm = spawnSync(process.execPath, ['-p', "/VmSize:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]"], {
    encoding: 'utf8',
    env: plainEnv,
  });
  const baseMiB = Math.ceil(Number(vm.stdout) / 1024);
  for (const extra of [300, 500, 800, 1300]) {
    const mib = baseMiB + extra;
    const r = spawnSync('prlimit', [`--as=${mib * 2 ** 20}`, process.execPath, BIN, 'psf', big, '-o', path.join(out, 'psf.fits'), '--quiet'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: plainEnv,
    });
    t.equal(r.status, 1, `${mib} MiB: exit 1 (${r.signal ?? 'no signal'})`);
    t.match(
      r.stderr,
      /^airy: \[ERR_AIRY_NO_MEMORY\] (one wavelength of this system needs at least \d+ MiB .* available \(address-space limit|could not allocate \d+ bytes|out of memory)/,
      `${mib} MiB: ${r.stderr.trim()}`,
    );
    t.notMatch(r.stderr, /FATAL|Allocation failed|terminate called|bad_alloc/);
  }
  t.same(outputsIn(out), []);
});
