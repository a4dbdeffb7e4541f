// One batch of the fuzz suite, run in its own process by test/fuzz.ts so that
// a native crash takes down only the batch (and is reported with its seed).
//
//   node --import tsx test/helpers/fuzz-batch.ts <systems|kernels|cli> <seed> <runs>
//
// Prints one JSON line: { kind, seed, runs, failure? }.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { fft2Sync, loadSystem, mftSync } from '../../lib/index';
import { EXAMPLES_DIR, exampleSystemFiles } from './examples';

type Json = unknown;

/** Errors that come from inside the library rather than from a check naming the user's argument. */
const INTERNAL =
  /Cannot read prop|is not a function|is not iterable|is not a constructor|undefined \(reading|Maximum call stack|Invalid typed array length|Invalid array length|ERR_AIRY_INTERNAL/;

/** A clear error: an Error of a documented kind, not an internal one, naming one of `names` or carrying an airy code. */
function clear(e: unknown, names: string[]): string | undefined {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  const code = (e as { code?: string }).code ?? '';
  const text = `${e.name}: ${e.message}`;
  if (INTERNAL.test(text) || INTERNAL.test(code)) return `internal error: ${text} ${code}`;
  if (!['TypeError', 'RangeError', 'AiryError', 'UnsafeParallelismError'].includes(e.name)) return `unexpected error class: ${text}`;
  if (code.startsWith('ERR_AIRY') || names.some((n) => e.message.includes(n))) return undefined;
  return `error names nothing the caller gave (${names.join(', ')}): ${text}`;
}

// ---------------------------------------------------------------- systems

/** The shipped examples, shrunk so that a PSF takes milliseconds. */
function seeds(): Json[] {
  return exampleSystemFiles()
    .filter((f) => f !== 'fits-optic.json')
    .map((f) => {
      const j = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8'));
      j.npix = 32;
      j.oversample = Math.min(j.oversample ?? 2, 2);
      const det = j.planes[j.planes.length - 1];
      delete det.fovArcsec;
      det.fovPixels = 12;
      det.oversample = 1;
      j.source = { wavelengths: [1e-6, 1.2e-6], weights: [1, 2] };
      return j;
    });
}

const NASTY: Json[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  1e-320,
  2 ** 31,
  '',
  'x',
  '1',
  null,
  true,
  [],
  [1, 2],
  {},
  { type: 'toString' },
  { __proto__: { polluted: true } },
];

/** Every path (list of keys) to a node of a JSON tree. */
function paths(j: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (j && typeof j === 'object') for (const [k, v] of Object.entries(j)) paths(v, [...at, Array.isArray(j) ? Number(k) : k], out);
  return out;
}

type Mutation = { kind: 'set'; value: Json } | { kind: 'delete' } | { kind: 'extra'; key: string; value: Json };

function mutate(j: Json, at: (string | number)[], m: Mutation): Json {
  const copy = structuredClone(j) as Record<string | number, Json>;
  if (at.length === 0) return m.kind === 'set' ? m.value : copy;
  const parent = at.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], copy) as Record<string | number, Json>;
  const key = at[at.length - 1]!;
  if (m.kind === 'set') parent[key] = m.value;
  else if (m.kind === 'delete') delete parent[key];
  else if (parent[key] && typeof parent[key] === 'object' && !Array.isArray(parent[key])) (parent[key] as Record<string, Json>)[m.key] = m.value;
  return copy;
}

async function systemProperty(base: Json, pick: number, m: Mutation): Promise<string | undefined> {
  const all = paths(base);
  const at = all[pick % all.length]!;
  const sys = mutate(base, at, m);
  const names = [...at.map(String), 'planes', 'source', 'system', 'npix', 'oversample', 'optics', 'wavelength'];
  let psf: Awaited<ReturnType<ReturnType<typeof loadSystem>['calcPsf']>>;
  try {
    psf = await loadSystem(sys as object).calcPsf();
  } catch (e) {
    const why = clear(e, names);
    return why && `${why} (mutation ${JSON.stringify(m)} at ${JSON.stringify(at)})`;
  }
  if (!psf.data.every(Number.isFinite)) return `non-finite PSF without an error (mutation ${JSON.stringify(m)} at ${JSON.stringify(at)})`;
  if (({} as Record<string, unknown>).polluted !== undefined) return 'Object.prototype polluted';
  return undefined;
}

function systems() {
  const bases = seeds();
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), value: fc.constantFrom(...NASTY) }),
    fc.record({ kind: fc.constant('set' as const), value: fc.double() }),
    fc.record({ kind: fc.constant('delete' as const) }),
    fc.record({
      kind: fc.constant('extra' as const),
      key: fc.constantFrom('radus', 'kindd', '__proto__', 'constructor', 'x'),
      value: fc.constantFrom(...NASTY),
    }),
  );
  return fc.asyncProperty(fc.nat(bases.length - 1), fc.nat(), mutation, async (b, pick, m) => {
    const why = await systemProperty(bases[b], pick, m);
    if (why) throw new Error(why);
  });
}

// ---------------------------------------------------------------- kernels

function kernelProperty(kind: 'fft' | 'mft', ny: number, nx: number, len: number, fill: number, opts: Record<string, Json>): string | undefined {
  const data = new Float64Array(Math.max(0, len)).fill(fill);
  try {
    const r = kind === 'fft' ? fft2Sync({ data, shape: [ny, nx] }, opts as never) : mftSync({ data, shape: [ny, nx] }, opts as never);
    if (!r.data.every(Number.isFinite)) return `non-finite ${kind} result without an error for ${JSON.stringify({ ny, nx, len, fill, opts })}`;
  } catch (e) {
    const why = clear(e, ['a.', 'plane', 'options', 'shape', 'data', 'nlamD', 'npix', 'out']);
    return why && `${why} for ${JSON.stringify({ kind, ny, nx, len, fill, opts })}`;
  }
  return undefined;
}

function kernels() {
  const size = fc.oneof(fc.integer({ min: -2, max: 24 }), fc.constantFrom(0, 1, 2 ** 20, Number.NaN, 2.5));
  const value = fc.oneof(fc.constantFrom(...NASTY), fc.integer({ min: -3, max: 40 }), fc.double());
  const opts = fc.dictionary(fc.constantFrom('nlamD', 'npix', 'centering', 'offset', 'inverse', 'threads', 'planner', 'out', 'bogus'), value, { maxKeys: 4 });
  return fc.property(
    fc.constantFrom('fft' as const, 'mft' as const),
    size,
    size,
    fc.integer({ min: 0, max: 1200 }),
    fc.constantFrom(0, 1, -2.5, 1e300),
    opts,
    (kind, ny, nx, len, fill, o) => {
      const base = kind === 'mft' ? { nlamD: 4, npix: 6, ...o } : o;
      const why = kernelProperty(kind, ny as number, nx as number, len, fill, base);
      if (why) throw new Error(why);
    },
  );
}

// ---------------------------------------------------------------- CLI

/** A CLI run ends with 0, 1 or 2 (never a signal), in time, with no stack trace unless --verbose. */
function cliProperty(args: string[], cwd: string): string | undefined {
  const bin = path.join(__dirname, '..', '..', 'bin', 'airy.js');
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });
  const what = `airy ${args.join(' ')}`;
  if (r.error) return `${what}: ${r.error.message}`;
  if (r.signal) return `${what}: killed by ${r.signal}`;
  if (![0, 1, 2].includes(r.status ?? -1)) return `${what}: exit ${r.status}`;
  if (!args.includes('--verbose') && /\n\s+at .+:\d+:\d+/.test(r.stderr)) return `${what}: stack trace on stderr: ${r.stderr.slice(0, 400)}`;
  if (INTERNAL.test(r.stderr)) return `${what}: internal error: ${r.stderr.slice(0, 400)}`;
  return undefined;
}

function cli() {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'airy-fuzz-cli-'));
  const examples = path.join(__dirname, '..', '..', 'examples');
  fs.writeFileSync(path.join(cwd, 'broken.json'), '{"npix": 32, "planes": [');
  fs.mkdirSync(path.join(cwd, 'dir.json'));
  const files = [path.join(examples, 'circular-aperture.json'), path.join(examples, 'lyot-coronagraph.json'), 'broken.json', 'dir.json', 'missing.json'];
  const words = fc.constantFrom(
    '-o',
    'out.fits',
    'sub/none/out.fits',
    '--png',
    'out.png',
    '--wavelength',
    '--wavelengths',
    '--weights',
    '--parallel',
    '--nprocs',
    '--start-method',
    '--normalize',
    '--json',
    '-q',
    '--verbose',
    '--bogus',
    '1e-6',
    '-1',
    'NaN',
    'abc',
    '0',
    '3',
    '1e-6,1.1e-6',
    '1,2',
    'threads',
    'processes',
    'fork',
    'first',
    'last',
  );
  const argv = fc.tuple(fc.constantFrom('psf', 'info', 'nope', '--help'), fc.constantFrom(...files), fc.array(words, { maxLength: 6 }));
  return fc.property(argv, ([cmd, file, rest]) => {
    const why = cliProperty(cmd === 'psf' ? [cmd, file, ...rest] : [cmd, ...rest], cwd);
    if (why) throw new Error(why);
  });
}

async function main(): Promise<void> {
  const [kind, seedText, runsText] = process.argv.slice(2);
  const seed = Number(seedText);
  const runs = Number(runsText);
  const prop = kind === 'systems' ? systems() : kind === 'cli' ? cli() : kernels();
  const result = await fc.check(prop as fc.IAsyncProperty<unknown[]>, { seed, numRuns: runs, endOnFailure: true });
  const failure = result.failed ? { counterexample: fc.stringify(result.counterexample), error: String(result.errorInstance) } : undefined;
  console.log(JSON.stringify({ kind, seed, runs: result.numRuns, failure }));
}

void main();
