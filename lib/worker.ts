/**
 * A worker process of the `parallel: 'processes'` (spawn) pool. It computes
 * whole wavelengths natively with single-threaded BLAS and FFTW: the
 * compiled system's arrays and the PSFs cross through shared memory files
 * (mapped, never copied through the IPC pipe); only small messages and the
 * per-wavelength image-plane masks go through the channel.
 */
import * as fs from 'node:fs';
import { native, type NativeSystemDesc, type NativeSystemHandle, type NativeWindow } from './binding';

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

/** Messages from the parent. */
export type ToWorker =
  | { type: 'system'; id: string; file: string; bytes: number; desc: SharedDesc }
  | { type: 'run'; id: number; systemId: string; wavelength: number; tiltX: number; tiltY: number;
      imageMasks: (NativeWindow & { data?: Float64Array })[]; effort: number; resultFile: string; resultBytes: number; offset: number; length: number }
  | { type: 'drop'; id: string };

/** Messages to the parent. */
export type FromWorker =
  | { type: 'ready'; pid: number; idleRssBytes: number }
  | { type: 'done'; id: number; kernelSeconds: number; totalSeconds: number; maxRssBytes: number }
  | { type: 'error'; id: number; code: string; message: string };

/** A system description whose arrays live in a shared file: { offset, length } in doubles. */
export interface SharedDesc extends Omit<NativeSystemDesc, 'steps'> {
  steps: (Omit<NativeSystemDesc['steps'][number], 'mask'> & {
    mask?: NativeWindow & { amp?: { offset: number; length: number }; opd?: { offset: number; length: number } };
  })[];
}

function main(): void {
  const n = native();
  n.blasSetThreads(1);
  const systems = new Map<string, NativeSystemHandle>();
  const results = new Map<string, ArrayBuffer>();
  const send = (m: FromWorker) => process.send!(m);

  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'system') {
      const buf = n.shmMap(msg.file, msg.bytes, false);
      const view = (r?: { offset: number; length: number }) => (r ? new Float64Array(buf, r.offset * 8, r.length) : undefined);
      const desc: NativeSystemDesc = {
        ...msg.desc,
        steps: msg.desc.steps.map((s) => ({
          ...s,
          mask: s.mask ? { ...s.mask, amp: view(s.mask.amp), opd: view(s.mask.opd) } : undefined,
        })) as NativeSystemDesc['steps'],
      };
      for (const s of desc.steps) {
        if (s.mask && s.mask.amp === undefined) delete s.mask.amp;
        if (s.mask && s.mask.opd === undefined) delete s.mask.opd;
        if (s.mask === undefined) delete s.mask;
      }
      // The arrays are used in place: every worker reads the same physical
      // pages of the shared file (one copy in the caches, as with threads).
      systems.set(msg.id, new n.NativeSystem(desc, { borrow: true }));
      return;
    }
    if (msg.type === 'drop') {
      systems.delete(msg.id);
      return;
    }
    // Runs arrive ahead of time (the parent keeps the next one queued here);
    // they are computed one at a time, in order.
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
        res = n.shmMap(msg.resultFile, msg.resultBytes, false);
      } catch (e) {
        // A task left over from a failed call whose file is gone: report, go on.
        send({ type: 'error', id: msg.id, code: 'ERR_AIRY_WORKER', message: `results file: ${(e as Error).message}` });
        return next();
      }
      results.set(msg.resultFile, res);
      for (const f of [...results.keys()]) if (!queue.some((q) => q.resultFile === f)) results.delete(f);
    }
    const out = new Float64Array(res, msg.offset * 8, msg.length);
    sys.propagate(msg.wavelength, msg.tiltX, msg.tiltY, msg.imageMasks, 1, msg.effort, out).then(
      (t) => {
        send({ type: 'done', id: msg.id, kernelSeconds: t.kernelSeconds, totalSeconds: t.totalSeconds, maxRssBytes: peakRss() });
        next();
      },
      (e: Error & { code?: string }) => {
        send({ type: 'error', id: msg.id, code: e.code ?? 'ERR_AIRY_NATIVE', message: e.message });
        next();
      },
    );
  };
  // The parent went away: leave, never linger as an orphan.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid, idleRssBytes: peakRss() });
}

if (require.main === module && process.send) main();
