/**
 * The persistent pool of worker processes behind `parallel: 'processes'`
 * with `startMethod: 'spawn'`. Workers are child Node processes running
 * lib/worker; they live across calls (systems stay loaded), are replaced
 * when they die, and leave when this process does.
 */
import type { AbortSignalLike } from '../signal';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native, type NativeRunOptions, type NativeSystemDesc, type NativeWave } from '../binding';
import { AiryError } from '../errors';
import { type ArrayRef, type FromWorker, type SharedDesc, splitShared, type ToWorker, withArrays } from './worker';

interface Worker {
  child: ChildProcess;
  pid: number;
  systems: Set<string>;
  busy: boolean;
  exited: boolean;
  onExit?: (why: string) => void;
  onMessage?: (m: FromWorker) => void;
}

/** One wavelength of work: its index in the call and the wave. */
export interface PoolTask {
  index: number;
  wave: NativeWave;
}

/** A compiled system published for workers through a shared file. */
export interface SharedSystem {
  id: string;
  file: string;
  bytes: number;
  desc: SharedDesc;
}

const workers: Worker[] = [];
let idleWorkerRss = 0;

/** Resident memory of an idle worker process as measured at start-up (0 until one has started). */
export function measuredWorkerBaseline(): number {
  return idleWorkerRss;
}
let seq = 0;
// Message ids are unique for the life of the process: a worker still busy
// with a task of an earlier, failed call must not be mistaken for this one's.
let msgSeq = 0;
const shmDir = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
/** Shared files this process holds: the path workers map, and the fd that keeps it (-1: a named file). */
const ownedFiles = new Map<string, number>();

function cleanup(): void {
  for (const [f, fd] of ownedFiles) {
    if (fd >= 0) continue; // the kernel closes it
    try {
      fs.unlinkSync(splitShared(f).path);
    } catch {
      // already gone
    }
  }
  for (const w of workers) if (!w.exited) w.child.kill('SIGKILL');
}
process.once('exit', cleanup);

/**
 * A new shared file of `bytes`, mapped (on Linux already unlinked: see
 * shmCreate). `file` is what workers get: the path and the file's inode
 * (`path#inode`), unique even when a path names another file later.
 */
function shmFile(bytes: number): { file: string; buffer: ArrayBuffer } {
  const { buffer, path: p, fd, inode } = native().shmCreate(shmDir, bytes);
  const file = `${p}#${inode}`;
  ownedFiles.set(file, fd);
  return { file, buffer };
}

function releaseFile(f: string): void {
  const fd = ownedFiles.get(f);
  ownedFiles.delete(f);
  if (fd !== undefined && fd >= 0) {
    native().shmRelease(fd);
    return;
  }
  try {
    fs.unlinkSync(splitShared(f).path);
  } catch {
    // already gone
  }
}

/** Writes a compiled system's arrays into one shared file (once per system); the description refers to them. */
export function shareSystem(desc: NativeSystemDesc): SharedSystem {
  let doubles = 0;
  withArrays<Float64Array, Float64Array>(desc, (a) => {
    doubles += a.length;
    return a;
  });
  const bytes = Math.max(8, doubles * 8);
  const { file, buffer } = shmFile(bytes);
  const all = new Float64Array(buffer);
  let at = 0;
  const shared = withArrays<Float64Array, ArrayRef>(desc, (a) => {
    all.set(a, at);
    const r: ArrayRef = { shmOffset: at, length: a.length };
    at += a.length;
    return r;
  }) as SharedDesc;
  return { id: `${process.pid}-${++seq}`, file, bytes, desc: shared };
}

/** Forgets a shared system (its file; workers drop their copy). */
export function unshareSystem(s: SharedSystem): void {
  releaseFile(s.file);
  for (const w of workers) {
    if (w.systems.delete(s.id) && !w.exited) w.child.send({ type: 'drop', id: s.id } satisfies ToWorker);
  }
}

function workerScript(): string {
  return path.join(__dirname, `worker${path.extname(__filename)}`);
}

function spawnWorker(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const child = fork(workerScript(), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
    });
    const w: Worker = { child, pid: child.pid ?? -1, systems: new Set(), busy: false, exited: false };
    let gone = false;
    const fail = (why: string) => {
      if (gone) return; // reported once: by the channel closing or by the exit, whichever comes first
      gone = true;
      w.exited = true;
      const i = workers.indexOf(w);
      if (i >= 0) workers.splice(i, 1);
      if (w.onExit) w.onExit(why);
      else reject(new AiryError(`worker process could not start: ${why}`, 'ERR_AIRY_WORKER_DIED'));
    };
    child.on('exit', (code, signal) => fail(signal ? `killed by signal ${signal}` : `exited with code ${code}`));
    // A dying worker's channel closes first; its exit (which names the signal)
    // is reaped later, at times 100 ms later on a busy machine. Wait a little
    // for it, then report the death without it.
    child.on('disconnect', () => {
      if (!w.exited) setTimeout(() => fail('died (its channel closed)'), 15).unref();
    });
    child.on('error', (e) => fail(e.message));
    child.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        idleWorkerRss = Math.max(idleWorkerRss, m.idleRssBytes);
        workers.push(w);
        resolve(w);
        return;
      }
      w.onMessage?.(m);
    });
  });
}

/** Takes a worker out of the pool and kills it. */
function retire(w: Worker): void {
  w.exited = true;
  const i = workers.indexOf(w);
  if (i >= 0) workers.splice(i, 1);
  w.child.kill('SIGKILL');
}

/** Current worker processes (pids). */
export function poolPids(): number[] {
  return workers.filter((w) => !w.exited).map((w) => w.pid);
}

/** Kills every worker process (they are started again when needed). */
export function shutdownPool(): void {
  dropResultArea();
  for (const w of [...workers]) {
    w.exited = true;
    w.child.kill('SIGKILL');
  }
  workers.length = 0;
}

/** A wavelength's failure in a worker, as the native batch reports one: code, message, index. */
class WaveFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly wavelengthIndex: number,
  ) {
    super(message);
  }
}

/** Options of {@link runOnPool}. */
interface PoolRunOptions<T> {
  signal?: AbortSignalLike;
  /** How every wavelength is computed. */
  run: NativeRunOptions;
  /** Wavelength `index` is done. */
  onWave?: (index: number) => void;
  /** A worker finished its share: its native seconds and peak memory. */
  onFinished?: (t: { kernelSeconds: number; totalSeconds: number; maxRssBytes: number }) => void;
  /** Reads the PSFs (wavelength i at `i * pixels`) before the pool serves another call. */
  consume: (results: Float64Array) => T;
}

/**
 * The shared file the workers write PSFs into, kept from call to call (calls
 * are serialised) so its pages stay mapped and faulted in, in this process
 * and in the workers. Replaced when too small, dropped after a failed call
 * (a worker may still hold that call's queued tasks), not kept above 256 MB.
 */
let resultArea: { file: string; bytes: number; view: Float64Array } | undefined;
const KEEP_RESULTS_MAX = 256 * 2 ** 20;

function dropResultArea(): void {
  if (resultArea) releaseFile(resultArea.file);
  resultArea = undefined;
}

function resultsFor(bytes: number): { file: string; bytes: number; view: Float64Array; kept: boolean } {
  if (bytes > KEEP_RESULTS_MAX) {
    const { file, buffer } = shmFile(bytes);
    return { file, bytes, view: new Float64Array(buffer), kept: false };
  }
  if (!resultArea || resultArea.bytes < bytes) {
    dropResultArea();
    const { file, buffer } = shmFile(bytes);
    resultArea = { file, bytes, view: new Float64Array(buffer) };
  }
  return { ...resultArea, kept: true };
}

/** The end of the last call queued on the pool: calls run one after another. */
let poolTail: Promise<unknown> = Promise.resolve();

/**
 * Runs `tasks` on `size` workers (started or replaced as needed) and returns
 * the PSFs, `pixels` doubles each at `index * pixels`. Rejects on the first
 * failure, naming the wavelength; `signal` kills the busy workers. Calls made
 * while another is running wait for it (the workers serve one call at a time).
 */
export function runOnPool<T>(system: SharedSystem, tasks: PoolTask[], size: number, pixels: number, opts: PoolRunOptions<T>): Promise<T> {
  const run = poolTail.then(() => runNow(system, tasks, size, pixels, opts));
  poolTail = run.catch(() => undefined);
  const signal = opts.signal;
  if (!signal) return run;
  // Aborted while waiting for its turn: reject now (runNow then finds the
  // signal aborted and gives the workers straight back).
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AiryError('calcPsf was aborted', 'ABORT_ERR', { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function runNow<T>(system: SharedSystem, tasks: PoolTask[], size: number, pixels: number, opts: PoolRunOptions<T>): Promise<T> {
  while (workers.filter((w) => !w.exited).length < size) await spawnWorker();
  const team = workers.filter((w) => !w.exited).slice(0, size);
  const area = resultsFor(Math.max(8, tasks.length * pixels * 8));
  let ok = false;
  try {
    await new PoolCall(system, tasks, team, pixels, area, opts).run();
    ok = true;
    return opts.consume(area.view.subarray(0, tasks.length * pixels));
  } finally {
    if (!area.kept) releaseFile(area.file);
    else if (!ok) dropResultArea();
  }
}

/** One call's wavelengths on a team of workers, each computing its share in one native batch. */
class PoolCall<T> {
  private failed = false;
  private running: number;
  /** The wavelengths each worker has still to report, in the order it computes them. */
  private readonly pending: Map<Worker, number[]>;
  private resolve: () => void = () => undefined;
  private reject: (e: Error) => void = () => undefined;
  private readonly abort = () => {
    // Killed workers leave the pool now, before their exit is reported, so the next call never picks one.
    for (const w of this.team) if (w.busy && !w.exited) retire(w);
    this.fail(new AiryError('calcPsf was aborted', 'ABORT_ERR', { cause: this.opts.signal?.reason }));
  };

  constructor(
    private readonly system: SharedSystem,
    private readonly tasks: PoolTask[],
    private readonly team: Worker[],
    private readonly pixels: number,
    private readonly area: { file: string; bytes: number },
    private readonly opts: PoolRunOptions<T>,
  ) {
    // Wavelength i always goes to worker i mod size, so each worker sees the
    // same wavelengths call after call and reuses its cached MFT kernels.
    this.pending = new Map(team.map((w, k) => [w, tasks.filter((_t, i) => i % team.length === k).map((t) => t.index)]));
    this.running = team.length;
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      if (this.opts.signal?.aborted) return this.abort();
      this.opts.signal?.addEventListener('abort', this.abort, { once: true });
      for (const w of this.team) this.start(w);
    });
  }

  private detach(): void {
    this.opts.signal?.removeEventListener('abort', this.abort);
    for (const w of this.team) {
      w.onMessage = undefined;
      w.onExit = undefined;
    }
  }

  /** An idle worker keeps neither its channel nor its process ref'd: a caller's script ends when its work does. */
  private idle(w: Worker): void {
    w.busy = false;
    w.child.channel?.unref();
    w.child.unref();
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.detach();
    for (const w of this.team) this.idle(w);
    this.reject(e);
  }

  /** Sends `w` its share (loading the system first if it lacks it) and handles what it reports. */
  private start(w: Worker): void {
    const mine = this.pending.get(w)!;
    if (mine.length === 0) {
      this.finished(w);
      return;
    }
    const id = ++msgSeq;
    w.busy = true;
    w.child.ref();
    w.child.channel?.ref();
    if (!w.systems.has(this.system.id)) {
      w.child.send({ type: 'system', id: this.system.id, file: this.system.file, bytes: this.system.bytes, desc: this.system.desc } satisfies ToWorker);
      w.systems.add(this.system.id);
    }
    w.onExit = (why) => {
      // The first wavelength it has not reported is the one it was computing.
      this.fail(new WaveFailure(`worker process ${w.pid} ${why}; the pool will start a new worker`, 'ERR_AIRY_WORKER_DIED', mine[0] ?? this.tasks[0]!.index));
    };
    w.onMessage = (m) => {
      if (!('id' in m) || m.id !== id) return; // a message of an earlier, failed call
      if (m.type === 'error') {
        this.fail(new WaveFailure(m.message, m.code, m.index ?? mine[0] ?? this.tasks[0]!.index));
        return;
      }
      if (m.type === 'done') {
        const k = mine.indexOf(m.index);
        if (k >= 0) mine.splice(k, 1);
        try {
          this.opts.onWave?.(m.index);
        } catch (e) {
          // A throwing progress callback fails the call, as in the other modes.
          this.fail(e as Error);
        }
        return;
      }
      if (m.type === 'finished') {
        this.opts.onFinished?.(m);
        this.finished(w);
      }
    };
    const waves = this.tasks.map((t) => t.wave);
    w.child.send({
      type: 'run',
      id,
      systemId: this.system.id,
      waves,
      indices: [...mine],
      run: this.opts.run,
      resultFile: this.area.file,
      resultBytes: this.area.bytes,
      pixels: this.pixels,
    } satisfies ToWorker);
  }

  private finished(w: Worker): void {
    this.idle(w);
    if (--this.running > 0 || this.failed) return;
    this.detach();
    this.resolve();
  }
}
