/** Spawn mode: the batch on the pool of worker processes (run/pool.ts). */
import type { RunContext, WaveResult } from './index';
import { runOnPool } from './pool';

export async function runSpawn<T>(ctx: RunContext<T>): Promise<WaveResult<T>> {
  const { job } = ctx;
  let kernelSeconds = 0;
  let nativeSeconds = 0;
  let workerPeakRssBytes = 0;
  const tasks = job.waves.map((wave, index) => ({ index, wave }));
  // The pool stops on the caller's abort and when the run must stop (a failed progress callback).
  const stop = new AbortController();
  ctx.onStop(() => stop.abort());
  // The pool's results file is reused by its next call: consumed before it is handed back.
  const value = await runOnPool(job.shared(), tasks, ctx.plan.workers, job.pixels, {
    signal: stop.signal,
    run: job.run,
    onWave: ctx.report,
    onFinished: (t) => {
      workerPeakRssBytes = Math.max(workerPeakRssBytes, t.maxRssBytes);
      kernelSeconds += t.kernelSeconds;
      nativeSeconds += t.totalSeconds;
    },
    consume: job.consume,
  });
  return { value, kernelSeconds, nativeSeconds, workerPeakRssBytes };
}
