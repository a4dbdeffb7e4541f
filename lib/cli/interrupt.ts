/**
 * SIGINT and SIGTERM during a command: the first aborts the work in hand
 * (the calculation, or the files not yet renamed into place), so the command
 * ends as an interrupted one with nothing half-written and no worker left; a
 * second one exits at once (the temporary files go with the process's exit).
 */
import * as os from 'node:os';

const controller = new AbortController();
let received: NodeJS.Signals | undefined;
let installed = false;

/** Aborted when the command is interrupted: pass it to the work the command does. */
export const interrupted: AbortSignal = controller.signal;

/** The exit code of a command ended by `signal`: 128 + its number, as a shell reports it. */
export function interruptExitCode(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}

/** The signal that interrupted the command, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}

function onSignal(signal: NodeJS.Signals): void {
  if (received) process.exit(interruptExitCode(received));
  received = signal;
  controller.abort(new Error(`interrupted by ${signal}`));
}

/**
 * Installs the handlers, once, for the life of the CLI process. SIGXFSZ is
 * caught too: by default a write past a file-size limit kills the process
 * (leaving its temporary files); caught, the write fails with EFBIG and the
 * command reports it.
 */
export function handleInterrupts(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGXFSZ', () => {});
}
