/**
 * A worker process of the `parallel: 'processes'` (spawn) pool. It computes
 * its share of a call's wavelengths through the same native batch as every
 * other mode (computeWaves, one lane, single-threaded BLAS and FFTW): the compiled
 * system's arrays and the PSFs cross through shared memory files (mapped,
 * never copied through the IPC pipe); only small messages go through the
 * channel.
 */
import * as fs from 'node:fs';
import { native, type NativeRunOptions, type NativeSystemDesc, type NativeSystemHandle, type NativeWave } from '../binding';

/** Peak resident memory of this process (VmHWM; getrusage would carry the parent's peak across exec). */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Where a shared array lives in the system file, in doubles. */
export interface ArrayRef {
  shmOffset: number;
  length: number;
}

/** A system description whose Float64Arrays are refs into a shared file. */
export type SharedDesc = unknown;

/** Messages from the parent. */
export type ToWorker =
  | { type: 'system'; id: string; file: string; bytes: number; desc: SharedDesc }
  | {
      type: 'run';
      id: number;
      systemId: string;
      /** Every wavelength of the call; this worker computes `indices` of them. */
      waves: NativeWave[];
      indices: number[];
      run: NativeRunOptions;
      resultFile: string;
      resultBytes: number;
      /** Doubles per PSF: PSF i goes to i·pixels of the results file. */
      pixels: number;
    }
  | { type: 'drop'; id: string };

/** Messages to the parent. */
export type FromWorker =
  | { type: 'ready'; pid: number; idleRssBytes: number }
  | { type: 'done'; id: number; index: number }
  | { type: 'finished'; id: number; kernelSeconds: number; totalSeconds: number; maxRssBytes: number }
  | { type: 'error'; id: number; code: string; message: string; index?: number };

/** A copy of `v` with every Float64Array (or, reading back, every array ref) replaced by `f` of it. */
export function withArrays<A, B>(v: unknown, f: (a: A) => B, isArray: (x: unknown) => boolean = (x) => x instanceof Float64Array): unknown {
  if (isArray(v)) return f(v as A);
  if (Array.isArray(v)) return v.map((x) => withArrays(x, f, isArray));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withArrays(x, f, isArray)]));
  }
  return v;
}

const isRef = (x: unknown) => x !== null && typeof x === 'object' && 'shmOffset' in x;

/** A shared file as the caller names it, `path#inode` (the inode guards against a reused /proc fd path). */
export function splitShared(file: string): { path: string; inode: number } {
  const at = file.lastIndexOf('#');
  return { path: file.slice(0, at), inode: Number(file.slice(at + 1)) };
}

function mapShared(file: string, bytes: number): ArrayBuffer {
  const { path, inode } = splitShared(file);
  return native().shmMap(path, bytes, false, inode);
}

function main(): void {
  const n = native();
  n.blasSetThreads(1);
  const systems = new Map<string, NativeSystemHandle>();
  const results = new Map<string, ArrayBuffer>();
  const send = (m: FromWorker) => process.send!(m);

  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'system') {
      const buf = mapShared(msg.file, msg.bytes);
      const desc = withArrays<ArrayRef, Float64Array>(msg.desc, (r) => new Float64Array(buf, r.shmOffset * 8, r.length), isRef) as NativeSystemDesc;
      // The arrays are used in place: every worker reads the same physical
      // pages of the shared file (one copy in the caches, as with threads).
      systems.set(msg.id, new n.NativeSystem(desc, { borrow: true }));
      return;
    }
    if (msg.type === 'drop') {
      systems.delete(msg.id);
      return;
    }
    // Runs are computed one at a time, in order (a run of a failed call may
    // still be computing when the next call's arrives).
    queue.push(msg);
    if (queue.length === 1) runNext();
  });
  const queue: Extract<ToWorker, { type: 'run' }>[] = [];
  const runNext = () => {
    const msg = queue[0];
    if (!msg) return;
    const next = () => {
      queue.shift();
      runNext();
    };
    const sys = systems.get(msg.systemId);
    if (!sys) {
      send({ type: 'error', id: msg.id, code: 'ERR_AIRY_WORKER', message: `worker ${process.pid} has no system ${msg.systemId}` });
      return next();
    }
    // The parent keeps one results file from call to call; on a new name,
    // mappings no queued task needs any more are let go.
    let res = results.get(msg.resultFile);
    if (!res) {
      try {
        res = mapShared(msg.resultFile, msg.resultBytes);
      } catch (e) {
        // A task left over from a failed call whose file is gone: report, go on.
        send({ type: 'error', id: msg.id, code: 'ERR_AIRY_WORKER', message: `results file: ${(e as Error).message}` });
        return next();
      }
      results.set(msg.resultFile, res);
      for (const f of [...results.keys()]) if (!queue.some((q) => q.resultFile === f)) results.delete(f);
    }
    // This worker's share of the call in one native batch: no JavaScript
    // between its wavelengths; each one is reported as it finishes.
    const out = new Float64Array(res, 0, msg.waves.length * msg.pixels);
    const onProgress = (index: number) => send({ type: 'done', id: msg.id, index });
    sys.computeWaves(msg.waves, out, { ...msg.run, lanes: 1, fftThreads: 1, indices: msg.indices, onProgress }).then(
      (t) => {
        send({ type: 'finished', id: msg.id, kernelSeconds: t.kernelSeconds, totalSeconds: t.totalSeconds, maxRssBytes: peakRss() });
        next();
      },
      (e: Error & { code?: string; wavelengthIndex?: number }) => {
        send({ type: 'error', id: msg.id, code: e.code ?? 'ERR_AIRY_NATIVE', message: e.message, index: e.wavelengthIndex });
        next();
      },
    );
  };
  // The parent went away: leave at once, never linger as an orphan. Not
  // process.exit: that waits for a native batch still running on the libuv
  // pool (seconds); this worker holds nothing that needs an orderly exit.
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  send({ type: 'ready', pid: process.pid, idleRssBytes: peakRss() });
}

if (require.main === module && process.send) main();
