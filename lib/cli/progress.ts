/** The progress bar of long commands: on stderr, on a terminal only. */

/** A bar in cli-progress's `format`, started at the first update and stopped (if started) by `stop`. */
export function terminalBar(format: string): { update(done: number, total: number, payload: Record<string, string | number>): void; stop(): void } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total, payload) {
      if (!started) bar.start(total, done, payload);
      started = true;
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
