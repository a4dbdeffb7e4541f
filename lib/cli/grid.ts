/** `airy grid` (a PSF grid, here or through a queue) and `airy worker` (computes queued grid points). */
import * as fs from 'node:fs';
import { config, type ParallelMode, type Precision, type StartMethod } from '../config';
import type { GridProgress, GridResult } from '../grid/run';
import { handleInterrupts, interrupted } from './interrupt';
import { terminalBar } from './progress';
import { isBadInput, UsageError } from './usage';

/** Options of `airy grid`. */
export interface GridCommandOptions {
  out: string;
  queue?: string;
  parallel?: ParallelMode;
  nprocs?: number;
  startMethod?: StartMethod;
  precision?: Precision;
  json?: boolean;
  quiet?: boolean;
}

/** Progress of a grid: a bar on a terminal, a line a second otherwise. */
function gridProgress(quiet: boolean | undefined): { onProgress?: (p: GridProgress) => void; stop(): void } {
  if (quiet) return { stop() {} };
  if (process.stderr.isTTY) {
    const bar = terminalBar('grid [{bar}] {value}/{total} PSFs | {reused} stored before | {duration_formatted} elapsed, ~{eta_formatted} left');
    return { onProgress: (p) => bar.update(p.done, p.total, { reused: p.reused }), stop: () => bar.stop() };
  }
  let last = Number.NEGATIVE_INFINITY;
  return {
    onProgress: (p) => {
      const now = performance.now();
      if (p.done < p.total && now - last < 1000) return;
      last = now;
      const eta = p.eta === undefined ? '' : `, ~${p.eta.toFixed(0)} s left`;
      console.error(`grid: ${p.done}/${p.total} PSFs (${p.reused} stored before), ${p.elapsed.toFixed(1)} s${eta}`);
    },
    stop() {},
  };
}

/** A bad grid file is bad input (exit 2): the message names the key. */
function asUsage(e: unknown): unknown {
  return isBadInput(e) ? new UsageError((e as Error).message) : e;
}

export async function gridCommand(file: string, opts: GridCommandOptions): Promise<void> {
  if (!fs.existsSync(file)) throw new UsageError(`grid file ${file} does not exist`);
  // Points whose system names no precision take this one into their recipe.
  if (opts.precision) config.set({ precision: opts.precision });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadGridFile, runGrid } = require('../grid/run') as typeof import('../grid/run');
  let grid: ReturnType<typeof loadGridFile>;
  try {
    grid = loadGridFile(file);
  } catch (e) {
    throw asUsage(e);
  }
  handleInterrupts();
  const bar = gridProgress(opts.quiet);
  let r: GridResult;
  try {
    r = await runGrid(grid, {
      out: opts.out,
      signal: interrupted,
      ...(opts.queue ? { queue: opts.queue } : {}),
      ...(opts.parallel ? { parallel: opts.parallel } : {}),
      ...(opts.nprocs !== undefined ? { nProcesses: opts.nprocs } : {}),
      ...(opts.startMethod ? { startMethod: opts.startMethod } : {}),
      ...(bar.onProgress ? { onProgress: bar.onProgress } : {}),
    });
  } catch (e) {
    // What an interrupted grid kept and what it took off the queue, before the command's interrupted line.
    if ((e as { code?: string }).code === 'ABORT_ERR') console.error(`airy: ${(e as Error).message}`);
    throw e;
  } finally {
    bar.stop();
  }
  const summary = { files: r.fits, index: r.index, psfs: r.keys.length, computed: r.computed, reused: r.reused, seconds: r.seconds };
  if (opts.json) console.log(JSON.stringify(summary, null, 2));
  else
    console.log(`${r.keys.length} PSFs (${r.computed} computed, ${r.reused} stored before) in ${r.seconds.toFixed(2)} s: ${[...r.fits, r.index].join(', ')}`);
}

/** Options of `airy worker`. */
export interface WorkerCommandOptions {
  queue: string;
  concurrency?: number;
  lockDuration?: number;
  parallel?: ParallelMode;
  nprocs?: number;
  quiet?: boolean;
}

/** Computes queued grid points until interrupted; then lets started points finish. */
export async function workerCommand(opts: WorkerCommandOptions): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startWorker, redisAddress } = require('../grid/queue') as typeof import('../grid/queue');
  try {
    redisAddress(opts.queue);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  handleInterrupts();
  const log = (s: string) => opts.quiet || console.error(`worker ${process.pid}: ${s}`);
  let lastError = '';
  const worker = startWorker({
    queue: opts.queue,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.lockDuration !== undefined ? { lockDuration: opts.lockDuration } : {}),
    ...(opts.parallel ? { parallel: opts.parallel } : {}),
    ...(opts.nprocs !== undefined ? { nProcesses: opts.nprocs } : {}),
    onEvent: (e) => {
      if (e.kind === 'start') log(`point ${e.index} started (${e.key?.slice(0, 12)})`);
      else if (e.kind === 'done') log(`point ${e.index} stored in ${e.seconds?.toFixed(2)} s`);
      else if (e.kind === 'failed') log(`point ${e.index} failed: ${e.message}`);
      else if (e.message !== lastError) log(`queue error: ${e.message}`); // Redis errors repeat while it is away
      if (e.kind === 'error') lastError = e.message ?? '';
    },
  });
  log(`waiting for grid points on ${opts.queue}`);
  await new Promise((resolve) => interrupted.addEventListener('abort', resolve, { once: true }));
  log('stopping: started points finish first');
  await worker.close();
}
