/** A usage or input error: exit code 2. */
export class UsageError extends Error {}

/** Whether an error from loading a system or grid file is bad input (its message names the JSON path): exit 2, not a crash. */
export function isBadInput(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return e instanceof TypeError || e instanceof RangeError || code === 'ERR_AIRY_JSON' || code === 'ERR_AIRY_SYSTEM' || code === 'ERR_AIRY_FITS';
}
