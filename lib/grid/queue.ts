/**
 * Grids on many machines through BullMQ and Redis: the client enqueues one
 * job per missing point (job id = the point's key, so submitting twice adds
 * nothing), `airy worker`s compute them with the local engine into the
 * shared results directory, and BullMQ gives retries with backoff and
 * recovers the jobs of workers that die (stalled jobs). Queueing, locking
 * and retries are BullMQ's; this file only says what a job is.
 */
import type { AbortSignalLike } from '../signal';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { AiryError } from '../errors';
import { show } from '../validate';
import { computePoint, pointKey, pointSystem, type PointRunOptions } from './point';
import type { PlannedGrid } from './run';
import type { ResolvedGrid } from './spec';
import { DirectoryStore } from './store';

/** The BullMQ queue every airy client and worker uses. */
export const QUEUE_NAME = 'airy-psf';

/** One grid point to compute: the results directory holding the plan, the point's index and its key. */
export interface PointJob {
  dir: string;
  index: number;
  key: string;
}

/** Attempts per point before the grid fails, and the first retry's delay (doubling). */
const ATTEMPTS = 3;
const BACKOFF_MS = 1000;
const POLL_MS = 250;
/** Unfinished points looked for per poll. */
const POLL_FILES = 256;

interface RedisAddress {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
}

/** Host, port, database and credentials of `redis://[user:pass@]host[:port][/db]`. */
export function redisAddress(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`queue must be a Redis URL redis://host:port[/db], got ${show(url)}`);
  }
  if (u.protocol !== 'redis:' || !u.hostname) throw new TypeError(`queue must be a Redis URL redis://host:port[/db], got ${show(url)}`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0 && db < 1 << 16))
    throw new TypeError(`queue: the Redis database must be a number, got ${show(url)}`);
  return {
    host: u.hostname,
    port,
    ...(db === undefined ? {} : { db }),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** A client connection that fails at once when Redis is not there, rather than queueing commands for later. */
const clientConnection = (url: string) => ({
  ...redisAddress(url),
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  retryStrategy: () => null,
  connectTimeout: 5000,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Enqueues the missing points of a planned grid and waits until every one is
 * in the store. Failed points (after their retries) fail the run with their
 * reason; so does losing Redis. Points already stored are kept either way.
 */
export async function runOnQueue(
  url: string,
  plan: PlannedGrid,
  missing: number[],
  store: DirectoryStore,
  opts: { signal?: AbortSignalLike; onDone: (n: number) => void },
): Promise<void> {
  if (missing.length === 0) return;
  const queue = new Queue<PointJob>(QUEUE_NAME, { connection: clientConnection(url) });
  queue.on('error', () => {}); // each failing command rejects with the same error
  try {
    await submit(queue, plan, missing, store.location);
    await waitForPoints(queue, plan, missing, store, opts);
  } catch (e) {
    if (e instanceof AiryError) throw e;
    throw new AiryError(
      `cannot use the queue at ${url}: ${(e as Error).message}; the points finished so far are kept in ${store.location}, run again to resume`,
      'ERR_AIRY_QUEUE',
      { cause: e },
    );
  } finally {
    await queue.close().catch(() => {});
  }
}

/** Adds the points' jobs; a failed job from an earlier run is retried, a job already waiting is left as it is. */
async function submit(queue: Queue<PointJob>, plan: PlannedGrid, indices: number[], dir: string): Promise<void> {
  for (const i of indices) {
    const job = await queue.getJob(plan.keys[i]!);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'failed') await job.retry('failed');
    else if (state === 'completed') await job.remove(); // its result has gone from the store: compute it again
  }
  await queue.addBulk(
    indices.map((i) => ({
      name: 'psf',
      data: { dir, index: i, key: plan.keys[i]! },
      opts: { jobId: plan.keys[i]!, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS }, removeOnComplete: true },
    })),
  );
}

async function waitForPoints(
  queue: Queue<PointJob>,
  plan: PlannedGrid,
  missing: number[],
  store: DirectoryStore,
  opts: { signal?: AbortSignalLike; onDone: (n: number) => void },
): Promise<void> {
  const remaining = new Set(missing);
  for (let poll = 1; ; poll++) {
    let misses = 0;
    for (const i of remaining) {
      // Jobs finish roughly in queue order: look at the oldest few, not at every file of a large grid each time.
      if (!store.has(plan.keys[i]!)) {
        if (++misses === POLL_FILES) break;
        continue;
      }
      remaining.delete(i);
      opts.onDone(1);
    }
    if (remaining.size === 0) return;
    if (opts.signal?.aborted) await cancel(queue, plan, remaining, opts.signal);
    await failIfFailed(queue, plan, remaining);
    if (poll % 40 === 0 && (await queuedJobs(queue)) < remaining.size) {
      // Jobs have vanished (the queue emptied by hand, Redis restarted without its data): add them again; ids dedupe the rest.
      await submit(queue, plan, [...remaining], store.location);
    }
    await sleep(POLL_MS);
  }
}

/** Jobs in the queue that are not finished (of every grid). */
async function queuedJobs(queue: Queue<PointJob>): Promise<number> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
  return Object.values(c).reduce((a, b) => a + b, 0);
}

async function failIfFailed(queue: Queue<PointJob>, plan: PlannedGrid, remaining: Set<number>): Promise<void> {
  if ((await queue.getFailedCount()) === 0) return;
  const ours = new Map([...remaining].map((i) => [plan.keys[i]!, i]));
  for (const job of await queue.getFailed()) {
    const i = job?.id === undefined ? undefined : ours.get(job.id);
    if (i === undefined || job.attemptsMade < ATTEMPTS) continue;
    const p = plan.grid.points[i]!;
    throw new AiryError(
      `grid point ${i} (y ${p.y}, x ${p.x}, focus step ${p.focus}) failed after ${job.attemptsMade} attempts: ${job.failedReason}; run again to retry it`,
      'ERR_AIRY_GRID',
    );
  }
}

/** Takes this grid's jobs that no worker has started off the queue; started ones finish and are kept. */
async function cancel(queue: Queue<PointJob>, plan: PlannedGrid, remaining: Set<number>, signal: AbortSignalLike): Promise<never> {
  let removed = 0;
  for (const i of remaining) {
    const job = await queue.getJob(plan.keys[i]!);
    if (job && ['waiting', 'delayed', 'prioritized'].includes(await job.getState())) {
      await job.remove();
      removed++;
    }
  }
  throw new AiryError(`the grid was aborted: ${removed} queued points were taken off the queue; points being computed finish and are kept`, 'ABORT_ERR', {
    cause: signal.reason,
  });
}

/** Options of {@link startWorker}. */
export interface WorkerOptions extends Omit<PointRunOptions, 'signal'> {
  /** Redis URL, `redis://host:port[/db]`. */
  queue: string;
  /** Points computed at once (default 1; each uses the configured wavelength parallelism). */
  concurrency?: number;
  /** Milliseconds a job stays locked without renewal before another worker may take it (default 30000). */
  lockDuration?: number;
  /** Milliseconds between checks for jobs of dead workers (default lockDuration). */
  stalledInterval?: number;
  /** Called as jobs start, finish and fail. */
  onEvent?: (e: WorkerEvent) => void;
}

/** What a worker did. */
export interface WorkerEvent {
  kind: 'start' | 'done' | 'failed' | 'error';
  key?: string;
  index?: number;
  seconds?: number;
  message?: string;
}

/** A grid's plan read once per results directory, and again when the file changes. */
function planReader(): (dir: string) => ResolvedGrid {
  const plans = new Map<string, { mtime: number; plan: ResolvedGrid }>();
  return (dir) => {
    const store = new DirectoryStore(dir);
    const mtime = store.planTime();
    let cached = plans.get(dir);
    if (!cached || cached.mtime !== mtime) {
      cached = { mtime, plan: store.getPlan() };
      plans.set(dir, cached);
    }
    return cached.plan;
  };
}

/**
 * Starts a worker: it takes grid points off the queue, computes each with the
 * local engine and stores it in the job's results directory. Runs until
 * `close()`, which lets started points finish.
 */
export function startWorker(opts: WorkerOptions): { close(): Promise<void> } {
  const { queue: url, concurrency = 1, lockDuration = 30_000, stalledInterval, onEvent, ...run } = opts;
  const emit = onEvent ?? (() => {});
  const planOf = planReader();
  const processor = async (job: Job<PointJob>) => {
    const { dir, index, key } = job.data;
    const store = new DirectoryStore(dir);
    if (store.has(key)) return { key, stored: false };
    const plan = planOf(dir);
    const point = plan.points[index];
    const system = point && pointSystem(plan, point);
    if (!system || pointKey(system) !== key) throw new UnrecoverableError(`the grid plan in ${dir} no longer has point ${index} with key ${key}`);
    emit({ kind: 'start', key, index });
    const t0 = performance.now();
    await store.put(key, await computePoint(system, plan.baseDir, run));
    emit({ kind: 'done', key, index, seconds: (performance.now() - t0) / 1e3 });
    return { key, stored: true };
  };
  const worker = new Worker<PointJob>(QUEUE_NAME, processor, {
    connection: { ...redisAddress(url), maxRetriesPerRequest: null },
    concurrency,
    lockDuration,
    stalledInterval: stalledInterval ?? lockDuration,
    maxStalledCount: ATTEMPTS,
  });
  worker.on('failed', (job, e) => emit({ kind: 'failed', key: job?.data.key, index: job?.data.index, message: e.message }));
  worker.on('error', (e) => emit({ kind: 'error', message: e.message }));
  return { close: () => worker.close() };
}
