/**
 * PSF grids: field dependence (each PSF equals the system built by hand for
 * its point), the WebbPSF/photutils file read by astropy and photutils,
 * resuming after a kill, and the BullMQ path on a real redis-server with
 * real `airy worker` processes (one SIGKILLed mid-job; Redis stopped mid-run).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { calcPsfGrid, loadSystem, readFitsCube, resolveGrid, verifyFitsChecksums } from '../lib/index';
import { planGrid } from '../lib/grid/run';
import { freePort, startRedis } from './helpers/redis';

const BIN = path.resolve(__dirname, '..', 'bin', 'airy.js');
const EXAMPLE = path.resolve(__dirname, '..', 'examples', 'grid-field.json');
const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'airy-grid-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The example grid with a source of `n` wavelengths and a larger stamp: about a second a point, so a worker can be killed mid-point. */
function slowGrid(n: number): Record<string, unknown> {
  const g = structuredClone(example);
  g.system.planes[1] = { kind: 'detector', pixelscale: 0.05, fovPixels: 64, oversample: 4 };
  g.system.source = { wavelengths: Array.from({ length: n }, (_, i) => 1e-6 + i * 2e-9) };
  return g;
}

function writeGrid(dir: string, grid: unknown): string {
  const file = path.join(dir, 'grid.json');
  fs.writeFileSync(file, JSON.stringify(grid));
  return file;
}

/** The grid's cubes, plane by plane. */
const cubes = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => /^grid.*\.fits$/.test(f))
    .sort()
    .map((f) => readFitsCube(path.join(dir, f)));

function sameCubes(t: Test, a: string, b: string, what: string): void {
  const [ca, cb] = [cubes(a), cubes(b)];
  t.equal(ca.length, cb.length, `${what}: as many cubes`);
  ca.forEach((c, k) => {
    t.same(c.shape, cb[k]!.shape, `${what}: cube ${k} shape`);
    let same = c.data.length === cb[k]!.data.length;
    for (let i = 0; same && i < c.data.length; i++) same = c.data[i] === cb[k]!.data[i];
    t.ok(same, `${what}: cube ${k} equal bit for bit`);
  });
}

/** Every stored point is a whole FITS file with good checksums; no other file is visible. */
function pointsIntact(t: Test, dir: string): number {
  const files = fs.readdirSync(path.join(dir, 'points')).filter((f) => !f.startsWith('.'));
  for (const f of files) {
    t.match(f, /^[0-9a-f]{64}\.fits$/);
    t.ok(verifyFitsChecksums(path.join(dir, 'points', f)).every(Boolean), `${f} is whole`);
  }
  return files.length;
}

interface Proc {
  child: ChildProcess;
  out: string[];
  done: Promise<number | null>;
  /** Resolves with the first line matching. */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const take = (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n').filter(Boolean)) {
      out.push(l);
      for (const w of [...waiters]) {
        if (!w.re.test(l)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const line = (re: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const hit = out.find((l) => re.test(l));
      if (hit) return resolve(hit);
      waiters.push({ re, resolve });
      setTimeout(() => reject(new Error(`no line ${re} in ${timeoutMs} ms; got:\n${out.join('\n')}`)), timeoutMs).unref();
    });
  return { child, out, done, line };
}

const stop = async (c: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') => {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const closed = new Promise((r) => c.once('close', r));
  c.kill(signal);
  await closed;
};

t.test('grid spec: errors name the key', async (t) => {
  const g = structuredClone(example);
  t.throws(() => resolveGrid({ ...g, fields: 1 }), /fields is not a grid key/);
  t.throws(() => resolveGrid({ ...g, field: { detector: [2048, 2048], n: 0 } }), /field\.n/);
  t.throws(() => resolveGrid({ ...g, field: { detector: [2048, 2048], n: 2, points: [[0, 0]] } }), /exactly one of n or points/);
  t.throws(() => resolveGrid({ ...g, field: { detector: [2048, 2048], points: [[0, 4096]] } }), /field\.points\[0\]\[1\]/);
  t.throws(
    () => resolveGrid({ ...g, wavefront: { radius: 1.2, table: { points: [[0, 0]], coefficients: [[0, 0, 0, 1e-8]] } } }),
    /no coefficients for the field point \[0, 1023.5\]/,
  );
  t.throws(
    () => resolveGrid({ ...g, wavefront: { radius: 1.2, polynomial: [{ noll: 4, terms: [[2, 0, Number.NaN]] }] } }),
    /wavefront\.polynomial\[0\]\.terms\[0\]\[2\]/,
  );
  t.throws(() => resolveGrid({ ...g, focus: [] }), /focus must be a non-empty array/);
  t.throws(() => resolveGrid({ ...g, system: 'no-such-system.json' }), /no-such-system\.json/);
  t.throws(() => resolveGrid({ ...g, system: { ...g.system, planes: [g.system.planes[0]] } }), /last plane must be a detector/);
  await t.rejects(calcPsfGrid(g.system, { field: g.field }, { out: tmp(), queue: 'http://localhost:1' }), /queue must be a Redis URL/);
  await t.rejects(calcPsfGrid(g.system, { field: g.field }, { out: '' }), /options\.out/);
});

t.test('each grid PSF is the system built by hand for its point', async (t) => {
  const g = structuredClone(example);
  const grid = resolveGrid(g, path.dirname(EXAMPLE));
  const out = tmp();
  const r = await calcPsfGrid(g.system, { field: g.field, wavefront: g.wavefront }, { out });
  t.equal(r.computed, 9);
  const [cube] = cubes(out);
  for (const i of [0, 5, 7]) {
    const p = grid.points[i]!;
    const sys = structuredClone(g.system);
    const [x, y] = [(p.x - 1023.5) * 0.05, (p.y - 1023.5) * 0.05];
    sys.planes[0].optics.push({ type: 'ZernikeWFE', radius: 1.2, coefficients: p.zernike });
    Object.assign(sys.planes[1], { offsetX: x, offsetY: y });
    sys.source = { ...sys.source, offsetR: Math.hypot(x, y), offsetTheta: (Math.atan2(-x, y) * 180) / Math.PI };
    const psf = await loadSystem(sys).calcPsf();
    const plane = cube!.data.subarray(i * psf.data.length, (i + 1) * psf.data.length);
    const peak = Math.max(...psf.data);
    t.ok(
      psf.data.every((v, k) => Math.abs(v - plane[k]!) <= 1e-14 * peak),
      `point ${i}: the hand-built system's PSF`,
    );
  }
  // Coefficients from the polynomials: Z4 = -2e-8 + 4e-8 (u² + v²) at the corner (u = v = -1).
  t.equal(grid.points[0]!.zernike[3], -2e-8 + 8e-8);
  t.equal(grid.points[4]!.zernike[3], -2e-8);
});

t.test('without field-dependent aberrations the detector follows the source: every PSF is the on-axis one', async (t) => {
  const g = structuredClone(example);
  const out = tmp();
  await calcPsfGrid(
    g.system,
    {
      field: {
        detector: [2048, 4096],
        points: [
          [1023.5, 2047.5],
          [0, 0],
          [2047, 4095],
          [100, 3000],
        ],
      },
    },
    { out },
  );
  const [cube] = cubes(out);
  const n = cube!.shape[1] * cube!.shape[2];
  const axis = cube!.data.subarray(0, n);
  const peak = Math.max(...axis);
  for (let i = 1; i < 4; i++) {
    const plane = cube!.data.subarray(i * n, (i + 1) * n);
    let worst = 0;
    for (let k = 0; k < n; k++) worst = Math.max(worst, Math.abs(plane[k]! - axis[k]!));
    t.ok(worst < 1e-10 * peak, `point ${i}: differs from the on-axis PSF by ${(worst / peak).toExponential(2)} of peak`);
  }
});

t.test('focus steps make one cube each; astropy and photutils read the grid', async (t) => {
  const g = { ...structuredClone(example), focus: [-5e-8, 0, 5e-8] };
  const dir = tmp();
  const file = writeGrid(dir, g);
  const r = spawnSync(process.execPath, [BIN, 'grid', file, '--out', path.join(dir, 'out'), '--json'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.equal(summary.psfs, 27);
  t.same(
    summary.files.map((f: string) => path.basename(f)),
    ['grid_focus0.fits', 'grid_focus1.fits', 'grid_focus2.fits'],
  );
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'grid.json'), 'utf8'));
  t.equal(index.points.length, 27);
  t.match(index.points[10], { field: 1, focus: 1, y: 0, x: 1023.5, file: 'grid_focus1.fits', plane: 1, key: /^[0-9a-f]{64}$/ });
  for (const [k, f] of summary.files.entries()) {
    const py = spawnSync('/usr/bin/python3', [path.join(__dirname, 'helpers', 'read_grid.py'), f], { encoding: 'utf8' });
    t.equal(py.status, 0, py.stderr);
    const read = JSON.parse(py.stdout);
    t.same(read.shape, [9, 64, 64]);
    t.equal(read.oversampling, 2);
    t.ok(read.checksums, 'astropy verifies the checksums');
    t.same(read.yx[5], [1023.5, 2047], 'DET_YX5 = (y, x)');
    t.equal(read.focus, g.focus[k]);
    t.ok(read.worst < 1e-12, `photutils' GriddedPSFModel gives back each PSF at its grid point (${read.worst.toExponential(2)} of peak)`);
  }
});

t.test('airy grid: a bad grid file is bad usage, named, before any work', async (t) => {
  const dir = tmp();
  const file = writeGrid(dir, { ...structuredClone(example), field: { detector: [2048, 2048], n: 3, step: 1 } });
  const r = spawnSync(process.execPath, [BIN, 'grid', file, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /field\.step/);
  t.notOk(fs.existsSync(path.join(dir, 'out')), 'nothing was made');
  fs.writeFileSync(file, '{ "system": ');
  const j = spawnSync(process.execPath, [BIN, 'grid', file, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
  t.equal(j.status, 2);
  t.match(j.stderr, /malformed JSON/);
});

t.test('an embedded run killed mid-grid keeps its finished points; the re-run computes only the rest', async (t) => {
  const dir = tmp();
  const file = writeGrid(dir, slowGrid(40));
  const out = path.join(dir, 'out');
  const a = run(['grid', file, '--out', out]);
  while (!fs.existsSync(path.join(out, 'points')) || fs.readdirSync(path.join(out, 'points')).filter((f) => f.endsWith('.fits')).length < 3) await sleep(20);
  a.child.kill('SIGKILL');
  await a.done;
  const kept = pointsIntact(t, out);
  t.ok(kept >= 3 && kept < 9, `${kept} points kept`);
  t.notOk(fs.existsSync(path.join(out, 'grid.fits')), 'no grid file before the grid is whole');
  const stale = path.join(out, 'points', `.${'0'.repeat(64)}.fits.99999.1.tmp`);
  fs.writeFileSync(stale, 'half a file');
  fs.utimesSync(stale, new Date(Date.now() - 3600e3), new Date(Date.now() - 3600e3));
  const b = spawnSync(process.execPath, [BIN, 'grid', file, '--out', out, '--json'], { encoding: 'utf8' });
  t.notOk(fs.existsSync(stale), "a killed writer's temporary file an hour old is removed");
  t.same(
    fs.readdirSync(path.join(out, 'points')).filter((f) => f.startsWith('.')),
    [],
    'no temporary file is left',
  );
  t.equal(b.status, 0, b.stderr);
  t.match(JSON.parse(b.stdout), { psfs: 9, computed: 9 - kept, reused: kept });
  const ref = path.join(dir, 'ref');
  t.equal(spawnSync(process.execPath, [BIN, 'grid', file, '--out', ref, '-q'], { encoding: 'utf8' }).status, 0);
  sameCubes(t, out, ref, 'resumed vs uninterrupted');
});

t.test('distributed on BullMQ + Redis', async (t) => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let redis = await startRedis(port);
  const procs: Proc[] = [];
  t.teardown(async () => {
    for (const p of procs) await stop(p.child, 'SIGKILL');
    await stop(redis);
  });
  const worker = (...extra: string[]) => {
    const w = run(['worker', '--queue', url, '--lock-duration', '1500', '--parallel', 'none', ...extra]);
    procs.push(w);
    return w;
  };
  const dir = tmp();
  const file = writeGrid(dir, slowGrid(40));
  const embedded = path.join(dir, 'embedded');
  t.equal(spawnSync(process.execPath, [BIN, 'grid', file, '--out', embedded, '-q', '--parallel', 'none'], { encoding: 'utf8' }).status, 0);

  await t.test('two workers, one SIGKILLed mid-point: the grid completes and equals the embedded one bit for bit', async (t) => {
    const out = path.join(dir, 'queued');
    const [a, b] = [worker(), worker()];
    await Promise.all([a.line(/waiting for grid points/), b.line(/waiting for grid points/)]);
    const client = run(['grid', file, '--out', out, '--queue', url, '--json']);
    procs.push(client);
    const started = await a.line(/point \d+ started/);
    a.child.kill('SIGKILL');
    const point = Number(/point (\d+)/.exec(started)![1]);
    const key = planGrid(resolveGrid(JSON.parse(fs.readFileSync(file, 'utf8')), dir)).keys[point]!;
    t.notOk(fs.existsSync(path.join(out, 'points', `${key}.fits`)), `point ${point} was unfinished when its worker died`);
    t.equal(await client.done, 0, client.out.join('\n'));
    t.match(JSON.parse(client.out.filter((l) => !l.startsWith('grid:')).join('\n')), { psfs: 9, computed: 9, reused: 0 });
    t.ok(
      b.out.some((l) => new RegExp(`point ${point} stored`).test(l)),
      `the surviving worker computed point ${point}`,
    );
    sameCubes(t, out, embedded, 'queued vs embedded');

    const again = spawnSync(process.execPath, [BIN, 'grid', file, '--out', out, '--queue', url, '--json'], { encoding: 'utf8' });
    t.equal(again.status, 0, again.stderr);
    t.match(JSON.parse(again.stdout), { computed: 0, reused: 9 }, 'a second submission adds nothing');
    const counts = spawnSync('redis-cli', ['-p', String(port), 'keys', 'bull:airy-psf:*'], { encoding: 'utf8' }).stdout;
    t.notMatch(counts, /bull:airy-psf:[0-9a-f]{64}\n/, 'no job is left in Redis');
    await stop(b.child);
  });

  await t.test('Redis stopped mid-run: the client fails clearly, the results stay whole, and after a restart the grid resumes', async (t) => {
    const out = path.join(dir, 'interrupted');
    const w = worker();
    const client = run(['grid', file, '--out', out, '--queue', url]);
    procs.push(client);
    await w.line(/point \d+ stored/);
    await w.line(/point \d+ started/);
    await stop(redis, 'SIGKILL');
    t.equal(await client.done, 1);
    t.match(client.out.join('\n'), new RegExp(`cannot use the queue at ${url}: .*kept in ${out.replaceAll('/', '\\/')}, run again to resume`));
    const kept = pointsIntact(t, out);
    t.ok(kept >= 1 && kept < 9, `${kept} points kept`);
    t.notOk(fs.existsSync(path.join(out, 'grid.fits')));

    redis = await startRedis(port);
    const resumed = spawnSync(process.execPath, [BIN, 'grid', file, '--out', out, '--queue', url, '--json'], { encoding: 'utf8', timeout: 120_000 });
    t.equal(resumed.status, 0, resumed.stderr);
    const s = JSON.parse(resumed.stdout);
    t.ok(s.reused >= kept && s.computed === 9 - s.reused, `resumed: ${s.reused} kept, ${s.computed} computed`);
    sameCubes(t, out, embedded, 'resumed queued vs embedded');
    await stop(w.child);
  });

  await t.test('Ctrl-C on a queued grid takes its unstarted jobs off the queue', async (t) => {
    const out = path.join(dir, 'cancelled');
    const client = run(['grid', file, '--out', out, '--queue', url]);
    procs.push(client);
    await client.line(/grid: 0\/9 PSFs/);
    const waiting = () => Number(spawnSync('redis-cli', ['-p', String(port), 'llen', 'bull:airy-psf:wait'], { encoding: 'utf8' }).stdout.trim());
    for (let i = 0; i < 100 && waiting() < 9; i++) await sleep(50);
    t.equal(waiting(), 9, 'nine jobs wait for a worker');
    client.child.kill('SIGINT');
    t.equal(await client.done, 130);
    t.match(client.out.join('\n'), /9 queued points were taken off the queue/);
    t.equal(waiting(), 0, 'no job is left waiting');
  });

  await t.test('an unreachable Redis is a clear error at once', async (t) => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const r = spawnSync(process.execPath, [BIN, 'grid', file, '--out', path.join(dir, 'nowhere'), '--queue', closed], { encoding: 'utf8', timeout: 30_000 });
    t.equal(r.status, 1);
    t.match(r.stderr, /cannot use the queue at redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    const bad = spawnSync(process.execPath, [BIN, 'worker', '--queue', 'localhost:6379'], { encoding: 'utf8' });
    t.equal(bad.status, 2);
    t.match(bad.stderr, /queue must be a Redis URL/);
  });
});
