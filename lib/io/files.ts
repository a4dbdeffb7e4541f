/**
 * Files airy reads and writes must be regular files: a FIFO would block a
 * read forever, a device would be read without end, and an atomic save
 * (temporary file, rename) would replace a FIFO, a device or a symlink.
 */
import type { AbortSignalLike } from '../signal';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AiryError } from '../errors';

function kind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Opens `file` for reading without blocking and checks (fstat, on the opened
 * file) that it is a regular file; returns the descriptor. Throws the error
 * with `code` naming `what` otherwise (ENOENT passes through as the fs error).
 */
export function openRegularFile(file: string, what: string, code: string): number {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new AiryError(`${what} ${file} is ${kind(st)}, not a regular file`, code);
  }
  return fd;
}

/** The text of regular file `file` (see {@link openRegularFile}). */
export function readRegularFile(file: string, what: string, code: string): string {
  const fd = openRegularFile(file, what, code);
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Throws unless `file` is absent or a regular file (never a symlink): what an atomic save may replace. */
export function checkOutputFile(file: string, what: string, code: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return; // absent: created
  }
  if (!st.isFile()) throw new AiryError(`${what} ${file} is ${kind(st)}; airy replaces only regular files`, code);
}

/** One output of a {@link writeOutputs} set: `write` puts the whole file at the path it is given. */
export interface Output {
  file: string;
  /** What the file is, for messages ("FITS file", "PNG picture"). */
  what: string;
  /** The error code of a failure to write it. */
  code: string;
  write(staging: string): void | Promise<void>;
}

let staged = 0;
/** Temporary files being written; removed by the process's exit if it comes first. */
const pending = new Set<string>();

/** A hidden path beside `file`, unique to this process, for a file being written. */
function stagingPath(file: string): string {
  if (staged === 0) process.on('exit', () => pending.forEach(removeQuietly));
  const staging = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++staged}.tmp`);
  pending.add(staging);
  return staging;
}

function removeQuietly(file: string): void {
  pending.delete(file);
  try {
    fs.unlinkSync(file);
  } catch {
    /* never made, or already gone */
  }
}

/**
 * Throws unless `file` can be an output: absent or a regular file, in an
 * existing directory. Checked before long work, so a typo in a second output
 * path is an error before the first is computed.
 */
export function checkOutputPath(file: string, what: string, code: string): void {
  checkOutputFile(file, what, code);
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new AiryError(`cannot write ${what} ${file}: its directory ${dir} does not exist`, code);
  }
  if (!st.isDirectory()) throw new AiryError(`cannot write ${what} ${file}: ${dir} is ${kind(st)}, not a directory`, code);
}

/**
 * Writes a set of files all or nothing: each is written whole beside its
 * target under a hidden temporary name, and only when every one is written
 * are they renamed into place. A failure (disk full, file size limit, a
 * missing directory) removes every temporary file, leaves earlier files of
 * those names as they were, and throws the failing output's error naming it;
 * so does `signal` aborted before the files are renamed.
 */
export async function writeOutputs(outputs: Output[], signal?: AbortSignalLike): Promise<void> {
  for (const o of outputs) checkOutputPath(o.file, o.what, o.code);
  const staging = outputs.map((o) => stagingPath(o.file));
  try {
    for (const [i, o] of outputs.entries()) await writeOne(o, staging[i]);
    if (signal?.aborted) throw new AiryError('writing was aborted; no file was replaced', 'ABORT_ERR', { cause: signal.reason });
    for (const [i, o] of outputs.entries()) renameInto(o, staging[i]);
  } finally {
    for (const s of staging) removeQuietly(s);
  }
}

/** {@link writeOutputs} of one file, synchronously. */
export function writeOutputSync(o: Output): void {
  checkOutputPath(o.file, o.what, o.code);
  const staging = stagingPath(o.file);
  try {
    const r = o.write(staging);
    if (r instanceof Promise) throw new TypeError('writeOutputSync: write must be synchronous');
    renameInto(o, staging);
  } catch (e) {
    throw writeError(o, e, staging);
  } finally {
    removeQuietly(staging);
  }
}

async function writeOne(o: Output, staging: string): Promise<void> {
  try {
    await o.write(staging);
  } catch (e) {
    throw writeError(o, e, staging);
  }
}

function renameInto(o: Output, staging: string): void {
  try {
    fs.renameSync(staging, o.file);
  } catch (e) {
    throw writeError(o, e, staging);
  }
}

/** The error of a failed write, naming the output where the writer named its temporary file. */
function writeError(o: Output, e: unknown, staging: string): Error {
  if (e instanceof TypeError || e instanceof RangeError) return e;
  const reason = ((e as Error).message ?? String(e)).replaceAll(staging, o.file);
  if (e instanceof AiryError && e.code === o.code) return new AiryError(reason, o.code, { cause: e });
  return new AiryError(`cannot write ${o.what} ${o.file}: ${reason}`, o.code, { cause: e });
}
