/**
 * calcPsfGrid: a grid of PSFs computed on this machine (default) or by
 * `airy worker`s through a BullMQ queue. Either way every finished point is
 * stored whole as it finishes, a re-run computes only what is missing, and
 * the grid's files are written from the stored points at the end.
 */
import { AiryError } from '../errors';
import { OpticalSystem } from '../engine/system';
import { show } from '../validate';
import { assembleGrid, type GridFiles } from './assemble';
import { computePoint, pointKey, pointSystem, type PointRunOptions } from './point';
import { type GridPoint, type GridSpec, type ResolvedGrid, readGridFile, resolveGrid } from './spec';
import { DirectoryStore } from './store';

/** Progress of a grid run, after each finished point. */
export interface GridProgress {
  /** Points stored so far (found from earlier runs included). */
  done: number;
  total: number;
  /** Points found already stored when the run started. */
  reused: number;
  /** Seconds since the run started. */
  elapsed: number;
  /** Estimated seconds left, from this run's pace (undefined before the first point). */
  eta: number | undefined;
}

/** Options of {@link calcPsfGrid}. */
export interface GridOptions extends PointRunOptions {
  /** Results directory: `plan.json`, `points/<key>.fits`, and the grid's files. Shared by all workers when queued. */
  out: string;
  /** A Redis URL (`redis://host:port[/db]`): enqueue the points for `airy worker`s instead of computing here. */
  queue?: string;
  /** Called as points finish. */
  onProgress?: (p: GridProgress) => void;
  /** Directory that relative file paths of a system given as an object are relative to (default the working directory). */
  baseDir?: string;
}

/** What a grid run did and wrote. */
export interface GridResult extends GridFiles {
  points: GridPoint[];
  /** Each point's result key (SHA-256 of airy's version and the point's system). */
  keys: string[];
  /** Points computed (or, queued, enqueued) by this run. */
  computed: number;
  /** Points found already stored. */
  reused: number;
  seconds: number;
}

/** A grid planned: each point's own system and key. */
export interface PlannedGrid {
  grid: ResolvedGrid;
  systems: Record<string, unknown>[];
  keys: string[];
}

export function planGrid(grid: ResolvedGrid): PlannedGrid {
  const systems = grid.points.map((p) => pointSystem(grid, p));
  return { grid, systems, keys: systems.map(pointKey) };
}

/**
 * Computes a grid of PSFs: field points × the source's spectrum (× focus
 * steps), written to `opts.out` as FITS cubes (WebbPSF/photutils layout) and
 * `grid.json`. Resumable: points already in `opts.out` are not recomputed.
 * @param system the optical system: an OpticalSystem, its JSON, or a path to its JSON file
 * @param grid field points, wavefront error over the field, focus steps, source (the grid JSON without `system`)
 */
export async function calcPsfGrid(system: OpticalSystem | object | string, grid: Omit<GridSpec, 'system'>, opts: GridOptions): Promise<GridResult> {
  if (grid === null || typeof grid !== 'object') throw new TypeError(`grid must be an object { field, ... }, got ${show(grid)}`);
  const sys = system instanceof OpticalSystem ? system.toJSON() : system;
  return runGrid(resolveGrid({ ...grid, system: sys }, opts.baseDir ?? process.cwd()), opts);
}

/** Reads and checks a grid file (`airy grid`); its system path is relative to the file. */
export function loadGridFile(file: string): ResolvedGrid {
  const { spec, baseDir } = readGridFile(file);
  return resolveGrid(spec, baseDir);
}

const RUN_KEYS = ['out', 'queue', 'onProgress', 'baseDir', 'parallel', 'nProcesses', 'startMethod', 'fftThreads', 'planner', 'signal', 'allowOversubscribe'];

/** Runs a checked grid (see {@link calcPsfGrid}). */
export async function runGrid(grid: ResolvedGrid, opts: GridOptions): Promise<GridResult> {
  if (opts === null || typeof opts !== 'object' || typeof opts.out !== 'string' || opts.out === '') {
    throw new TypeError(`options.out must be the results directory, got ${show(opts?.out)}`);
  }
  for (const k of Object.keys(opts)) if (!RUN_KEYS.includes(k)) throw new TypeError(`unknown option ${k}; known: ${RUN_KEYS.join(', ')}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const queue = opts.queue === undefined ? undefined : (require('./queue') as typeof import('./queue'));
  queue?.redisAddress(opts.queue!);
  const t0 = performance.now();
  const plan = planGrid(grid);
  const store = new DirectoryStore(opts.out).create();
  await store.putPlan(grid);
  const missing = plan.keys.flatMap((k, i) => (store.has(k) ? [] : [i]));
  const reused = plan.keys.length - missing.length;
  const pace = pacer(plan.keys.length, reused, opts.onProgress);
  if (queue) {
    await queue.runOnQueue(opts.queue!, plan, missing, store, { signal: opts.signal, onDone: pace });
  } else {
    await runHere(plan, missing, store, opts, pace);
  }
  const files = await assembleGrid(grid, plan.keys, store, store.location, opts.signal);
  return { ...files, points: grid.points, keys: plan.keys, computed: missing.length, reused, seconds: (performance.now() - t0) / 1e3 };
}

/** Computes the missing points one after another, each over the configured wavelength parallelism. */
async function runHere(plan: PlannedGrid, missing: number[], store: DirectoryStore, opts: GridOptions, done: (n: number) => void): Promise<void> {
  const { out, queue, onProgress, baseDir, ...run } = opts;
  void [out, queue, onProgress, baseDir];
  for (const i of missing) {
    if (opts.signal?.aborted) throw new AiryError('the grid was aborted; finished points are kept', 'ABORT_ERR', { cause: opts.signal.reason });
    const psf = await computePoint(plan.systems[i]!, plan.grid.baseDir, run);
    await store.put(plan.keys[i]!, psf);
    done(1);
  }
}

/** Counts finished points and reports progress with an ETA from this run's pace. */
function pacer(total: number, reused: number, onProgress?: (p: GridProgress) => void): (n: number) => void {
  const t0 = performance.now();
  let done = reused;
  onProgress?.({ done, total, reused, elapsed: 0, eta: undefined });
  return (n) => {
    done += n;
    const elapsed = (performance.now() - t0) / 1e3;
    const ran = done - reused;
    onProgress?.({ done, total, reused, elapsed, eta: ran > 0 ? (elapsed / ran) * (total - done) : undefined });
  };
}
