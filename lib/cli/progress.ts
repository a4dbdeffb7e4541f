/** The progress bar of long commands: on stderr, on a terminal only. */

/** Wavelength progress of a PSF: a bar on a terminal, plain lines otherwise, nothing when `quiet`. */
export function wavelengthProgress(
  label: string,
  quiet: boolean | undefined,
): { onProgress?: (p: { done: number; total: number; wavelength: number }) => void; stop(): void } {
  if (quiet) return { stop() {} };
  if (process.stderr.isTTY) {
    const bar = terminalBar(`${label} [{bar}] {value}/{total} wavelengths | {lam} | {duration_formatted} elapsed, ~{eta_formatted} left`);
    return { onProgress: (p) => bar.update(p.done, p.total, { lam: `${(p.wavelength * 1e6).toFixed(4)} µm` }), stop: () => bar.stop() };
  }
  return {
    onProgress: (p) => console.error(`${label}: ${p.done}/${p.total} wavelengths (${(p.wavelength * 1e6).toFixed(4)} µm done)`),
    stop() {},
  };
}

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
