import * as fs from 'node:fs';

/**
 * Whether a process is still running. A killed process its parent has not
 * reaped yet is a zombie: it no longer runs, though kill(pid, 0) succeeds.
 */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
