/**
 * Configuration. A value resolves, first match wins, from:
 *   1. the per-call option (e.g. `fft2(a, { threads: 2 })`),
 *   2. `config.set({...})` in this process,
 *   3. the `AIRY_*` environment variable,
 *   4. the built-in default.
 * `config.explain()` reports each value with the place it came from.
 */
import { bool, integer, oneOf, show } from './validate';

/** FFTW planner effort: how long FFTW may spend choosing an algorithm. */
export type FftwPlanner = 'estimate' | 'measure' | 'patient';
/**
 * Floating-point precision: of a kernel call (Float64Array or Float32Array
 * data), and of a PSF's propagation (fields, MFTs and FFTs in float64 or
 * float32).
 */
export type Precision = 'double' | 'single';
/** How the wavelengths of a polychromatic PSF are spread over the machine. */
export type ParallelMode = 'none' | 'processes' | 'threads' | 'auto';
/** How worker processes start: a fresh Node process, or a POSIX fork of a compute-only native child. */
export type StartMethod = 'spawn' | 'fork';

/** Every configurable value. */
export interface ConfigValues {
  /** Threads per FFTW transform (1 = serial). */
  fftThreads: number;
  /** BLAS threads; 0 leaves the BLAS library's own setting alone. */
  blasThreads: number;
  /** FFTW planner effort. */
  fftwPlanner: FftwPlanner;
  /** File that FFTW wisdom is loaded from and saved to; '' for none. */
  fftwWisdomFile: string;
  /** Load the wisdom file on first use and save it after new plans. */
  autosaveWisdom: boolean;
  /** Wavelength parallelism: none, worker processes, native threads, or auto (airy decides). */
  parallel: ParallelMode;
  /** Alias of `parallel: 'processes'` (POPPY's `use_multiprocessing`); `parallel` wins when both are set at the same level. */
  useMultiprocessing: boolean;
  /** Worker processes or threads; 0 = as many as memory, cores and wavelengths allow. */
  nProcesses: number;
  /** How worker processes start. */
  startMethod: StartMethod;
  /** Precision of PSF propagation: 'double', or 'single' (float32 fields, MFTs and FFTs; about twice as fast, errors near 1e-6 of the peak). */
  precision: Precision;
}

export type ConfigKey = keyof ConfigValues;
/** Where a value came from. */
export type ConfigSource = 'call' | 'set' | 'env' | 'default';

interface Spec<T> {
  env: string;
  def: T;
  parse: (name: string, v: unknown) => T;
  fromEnv: (s: string) => unknown;
}

const asInt = (s: string): unknown => (/^\s*-?\d+\s*$/.test(s) ? Number(s) : s);
const asBool = (s: string): unknown => {
  const l = s.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(l)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(l)) return false;
  return s;
};
const asStr = (s: string): unknown => s;

const SPECS: { [K in ConfigKey]: Spec<ConfigValues[K]> } = {
  fftThreads: { env: 'AIRY_FFT_THREADS', def: 1, parse: (n, v) => integer(n, v, 1, 1024), fromEnv: asInt },
  blasThreads: { env: 'AIRY_BLAS_THREADS', def: 0, parse: (n, v) => integer(n, v, 0, 1024), fromEnv: asInt },
  fftwPlanner: {
    env: 'AIRY_FFTW_PLANNER',
    def: 'estimate',
    parse: (n, v) => oneOf(n, v, ['estimate', 'measure', 'patient'] as const),
    fromEnv: asStr,
  },
  fftwWisdomFile: {
    env: 'AIRY_FFTW_WISDOM_FILE',
    def: '',
    parse: (n, v) => {
      if (typeof v !== 'string') throw new TypeError(`${n} must be a file path string, got ${show(v)}`);
      return v;
    },
    fromEnv: asStr,
  },
  autosaveWisdom: { env: 'AIRY_AUTOSAVE_WISDOM', def: true, parse: bool, fromEnv: asBool },
  parallel: { env: 'AIRY_PARALLEL', def: 'none', parse: (n, v) => oneOf(n, v, ['none', 'processes', 'threads', 'auto'] as const), fromEnv: asStr },
  useMultiprocessing: { env: 'AIRY_USE_MULTIPROCESSING', def: false, parse: bool, fromEnv: asBool },
  nProcesses: { env: 'AIRY_NPROCESSES', def: 0, parse: (n, v) => integer(n, v, 0, 4096), fromEnv: asInt },
  startMethod: { env: 'AIRY_START_METHOD', def: 'spawn', parse: (n, v) => oneOf(n, v, ['spawn', 'fork'] as const), fromEnv: asStr },
  precision: { env: 'AIRY_PRECISION', def: 'double', parse: (n, v) => oneOf(n, v, ['double', 'single'] as const), fromEnv: asStr },
};

/** Names of all configuration keys. */
export const CONFIG_KEYS = Object.keys(SPECS) as ConfigKey[];

const overrides: Partial<ConfigValues> = {};
const listeners: Array<(changed: Partial<ConfigValues>) => void> = [];

function fromEnv<K extends ConfigKey>(key: K): ConfigValues[K] | undefined {
  const spec = SPECS[key];
  const raw = process.env[spec.env];
  if (raw === undefined || raw === '') return undefined;
  return spec.parse(`environment variable ${spec.env}`, spec.fromEnv(raw));
}

/** The process-wide configuration. */
export const config = {
  /** The value in force for `key` (per-call overrides are applied by callers via {@link resolve}). */
  get<K extends ConfigKey>(key: K): ConfigValues[K] {
    return resolve(key, undefined);
  },

  /** Sets values for this process; each is validated. Unknown keys throw. */
  set(values: Partial<ConfigValues>): void {
    if (typeof values !== 'object' || values === null) throw new TypeError(`config.set() takes an object, got ${show(values)}`);
    const parsed: Partial<ConfigValues> = {};
    for (const [k, v] of Object.entries(values)) {
      if (!(k in SPECS)) throw new RangeError(`unknown config key ${show(k)}; valid keys: ${CONFIG_KEYS.join(', ')}`);
      const key = k as ConfigKey;
      (parsed as Record<string, unknown>)[key] = SPECS[key].parse(`config.${key}`, v);
    }
    Object.assign(overrides, parsed);
    for (const l of listeners) l(parsed);
  },

  /** Forgets values given to `set` (environment and defaults apply again). */
  reset(...keys: ConfigKey[]): void {
    const which = keys.length ? keys : CONFIG_KEYS;
    for (const k of which) delete overrides[k];
  },

  /** Every value in force with the place it came from. */
  explain(): { [K in ConfigKey]: { value: ConfigValues[K]; source: ConfigSource; env: string } } {
    const out = {} as Record<ConfigKey, { value: unknown; source: ConfigSource; env: string }>;
    for (const k of CONFIG_KEYS) {
      const env = SPECS[k].env;
      if (overrides[k] !== undefined) out[k] = { value: overrides[k], source: 'set', env };
      else {
        const e = fromEnv(k);
        out[k] = e !== undefined ? { value: e, source: 'env', env } : { value: SPECS[k].def, source: 'default', env };
      }
    }
    return out as ReturnType<typeof config.explain>;
  },

  /** Current values as a plain object. */
  all(): ConfigValues {
    const out = {} as Record<string, unknown>;
    for (const k of CONFIG_KEYS) out[k] = config.get(k);
    return out as unknown as ConfigValues;
  },
};

/** Resolves `key` with an optional per-call value taking precedence. */
export function resolve<K extends ConfigKey>(key: K, callValue: unknown, argName?: string): ConfigValues[K] {
  if (callValue !== undefined) return SPECS[key].parse(argName ?? key, callValue);
  const o = overrides[key];
  if (o !== undefined) return o as ConfigValues[K];
  const e = fromEnv(key);
  return e !== undefined ? e : SPECS[key].def;
}

/**
 * The parallel mode in force, honouring the `useMultiprocessing` alias: at
 * each level (call, set, environment) `parallel` is looked at first, then
 * `useMultiprocessing` (true → 'processes', false → 'none'); default 'none'.
 */
export function resolveParallel(call: { parallel?: unknown; useMultiprocessing?: unknown } = {}): { mode: ParallelMode; source: ConfigSource } {
  const fromAlias = (v: boolean): ParallelMode => (v ? 'processes' : 'none');
  if (call.parallel !== undefined) return { mode: SPECS.parallel.parse('parallel', call.parallel), source: 'call' };
  if (call.useMultiprocessing !== undefined)
    return { mode: fromAlias(SPECS.useMultiprocessing.parse('useMultiprocessing', call.useMultiprocessing)), source: 'call' };
  if (overrides.parallel !== undefined) return { mode: overrides.parallel, source: 'set' };
  if (overrides.useMultiprocessing !== undefined) return { mode: fromAlias(overrides.useMultiprocessing), source: 'set' };
  const e = fromEnv('parallel');
  if (e !== undefined) return { mode: e, source: 'env' };
  const a = fromEnv('useMultiprocessing');
  if (a !== undefined) return { mode: fromAlias(a), source: 'env' };
  return { mode: 'none', source: 'default' };
}

/** Internal: be told when `config.set` changes values. */
export function onConfigChange(fn: (changed: Partial<ConfigValues>) => void): void {
  listeners.push(fn);
}
