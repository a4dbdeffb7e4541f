/** PSF grids: field-dependent PSF libraries, embedded or on a BullMQ queue. */
import type { WorkerOptions } from './queue';

export { calcPsfGrid, loadGridFile, runGrid } from './run';
export type { GridOptions, GridProgress, GridResult } from './run';
export { resolveGrid, MAX_GRID_POINTS } from './spec';
export type { GridSpec, FieldSpec, FieldWavefront, GridPoint, ResolvedGrid } from './spec';
export { DirectoryStore } from './store';
export type { ResultStore } from './store';
export type { GridFiles } from './assemble';
export type { WorkerOptions, WorkerEvent } from './queue';

/**
 * Starts a grid worker in this process: it computes points that
 * `calcPsfGrid(..., { queue })` or `airy grid --queue` enqueued, until
 * `close()`. BullMQ is loaded only when a worker or a queued grid is used.
 */
export function startGridWorker(opts: WorkerOptions): { close(): Promise<void> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./queue') as typeof import('./queue')).startWorker(opts);
}
