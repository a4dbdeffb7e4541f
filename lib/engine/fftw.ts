/**
 * FFTW state: version and plans, and wisdom (FFTW's saved planning results)
 * loaded from and saved to `config.fftwWisdomFile`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../binding';
import { config, onConfigChange, type FftwPlanner } from '../config';
import { AiryError } from '../errors';
import { checkOutputFile, readRegularFile, writeOutputSync } from '../io/files';

/** FFTW as used by this process. */
export interface FftwInfo {
  /** FFTW's version string, e.g. `fftw-3.3.10-sse2-avx`. */
  version: string;
  /** Threads per transform in force (`config.fftThreads`). */
  threads: number;
  /** Whether the FFTW threads library initialised. */
  threadsAvailable: boolean;
  /** Whether a multi-threaded FFT (airy helper threads or FFTW threads) has run in this process. */
  threadsStarted: boolean;
  /** Wisdom file in force ('' for none). */
  wisdomFile: string;
  /** Planner effort in force. */
  planner: FftwPlanner;
  /** Plans currently cached. */
  cachedPlans: number;
}

/** Describes FFTW in this process. */
export function fftwInfo(): FftwInfo {
  const f = native().fftwInfo();
  return {
    version: f.version,
    threads: config.get('fftThreads'),
    threadsAvailable: f.threadsAvailable,
    threadsStarted: f.threadsStarted,
    wisdomFile: config.get('fftwWisdomFile'),
    planner: config.get('fftwPlanner'),
    cachedPlans: f.cachedPlans,
  };
}

/**
 * Loads wisdom from `file` (default `config.fftwWisdomFile`). Returns false if
 * the file does not exist; throws if it exists but is not airy wisdom.
 */
export function loadWisdom(file: string = config.get('fftwWisdomFile')): boolean {
  if (!file) throw new RangeError('file: no wisdom file given and config.fftwWisdomFile is empty');
  let text: string;
  try {
    text = readRegularFile(file, 'FFTW wisdom file', 'ERR_AIRY_WISDOM_READ');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if (e instanceof AiryError) throw e;
    throw new AiryError(`cannot read FFTW wisdom file ${file}: ${(e as Error).message}`, 'ERR_AIRY_WISDOM_READ');
  }
  if (!native().fftwImportWisdom(text)) {
    throw new AiryError(`${file} is not an airy FFTW wisdom file (or it is corrupt)`, 'ERR_AIRY_WISDOM_INVALID');
  }
  wisdomLoadedFrom = file;
  return true;
}

/**
 * Saves all accumulated wisdom to `file` (default `config.fftwWisdomFile`)
 * atomically: written to a temporary file in the same directory, then renamed,
 * so a concurrent reader never sees half a file.
 */
export function saveWisdom(file: string = config.get('fftwWisdomFile')): void {
  if (!file) throw new RangeError('file: no wisdom file given and config.fftwWisdomFile is empty');
  const text = native().fftwExportWisdom();
  checkOutputFile(file, 'FFTW wisdom file', 'ERR_AIRY_WISDOM_WRITE');
  const dir = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new AiryError(`cannot write FFTW wisdom file ${file}: cannot make its directory ${dir}: ${(e as Error).message}`, 'ERR_AIRY_WISDOM_WRITE');
  }
  writeOutputSync({ file, what: 'FFTW wisdom file', code: 'ERR_AIRY_WISDOM_WRITE', write: (staging) => fs.writeFileSync(staging, text) });
  native().fftwMarkWisdomSaved();
}

/**
 * Whether FFTW holds wisdom for an `[ny, nx]` transform at this planner effort,
 * i.e. whether planning it now needs no measuring.
 */
export function hasWisdom(
  shape: [number, number],
  opts: { inverse?: boolean; threads?: number; planner?: FftwPlanner; precision?: 'double' | 'single' } = {},
): boolean {
  return native().fftwHasWisdom({
    ny: shape[0],
    nx: shape[1],
    inverse: opts.inverse ?? false,
    threads: opts.threads ?? config.get('fftThreads'),
    planner: opts.planner ?? config.get('fftwPlanner'),
    single: opts.precision === 'single',
  });
}

/** Drops all cached plans and all wisdom in this process (the file is untouched). */
export function forgetWisdom(): void {
  native().fftwForget();
  wisdomLoadedFrom = '';
}

let wisdomLoadedFrom = '';
onConfigChange((c) => {
  if (c.fftwWisdomFile !== undefined) wisdomLoadedFrom = '';
});

/**
 * Autosave never fails a call: the wisdom only saves planning time, so a
 * file that cannot be read or written becomes a process warning (type
 * 'AiryWarning', with the error's code; `process.on('warning', ...)`), once
 * per message, and the call goes on.
 */
const warned = new Set<string>();
function warnOnce(e: unknown): void {
  const err = e as { message?: string; code?: string };
  const message = `FFTW wisdom autosave: ${err.message ?? String(e)}`;
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { type: 'AiryWarning', code: err.code ?? 'ERR_AIRY_WISDOM' });
}

/** Internal: with autosave on, load the wisdom file once before planning. */
export function beforeTransform(): void {
  const file = config.get('fftwWisdomFile');
  if (!file || !config.get('autosaveWisdom') || wisdomLoadedFrom === file) return;
  wisdomLoadedFrom = file;
  try {
    loadWisdom(file);
  } catch (e) {
    warnOnce(e);
  }
}

/** Internal: with autosave on, save wisdom when new plans were made. */
export function afterTransform(): void {
  const file = config.get('fftwWisdomFile');
  if (!file || !config.get('autosaveWisdom')) return;
  if (native().fftwInfo().plansSinceWisdomSave === 0) return;
  try {
    saveWisdom(file);
  } catch (e) {
    warnOnce(e);
  }
}
