/** Fork mode: the batch in forked, compute-only native children writing into shared memory. */
import { native } from '../binding';
import type { RunContext, WaveResult } from './index';

export async function runFork<T>(ctx: RunContext<T>): Promise<WaveResult<T>> {
  const { job } = ctx;
  const block = new Float64Array(native().sharedBlock(Math.max(8, job.waves.length * job.pixels * 8)), 0, job.waves.length * job.pixels);
  const pids: number[] = [];
  ctx.onStop(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const t = await job.handle.forkWaves(job.waves, block, {
    ...job.run,
    workers: ctx.plan.workers,
    onProgress: ctx.report,
    onChild: (pid) => pids.push(pid),
  });
  return { value: job.consume(block), kernelSeconds: t.kernelSeconds, nativeSeconds: t.totalSeconds };
}
