/**
 * Files airy reads and writes must be regular files: a FIFO would block a
 * read forever, a device would be read without end, and an atomic save
 * (temporary file, rename) would replace a FIFO, a device or a symlink.
 */
import * as fs from 'node:fs';
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
