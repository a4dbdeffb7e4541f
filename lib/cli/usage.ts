/** A usage or input error: exit code 2. */
export class UsageError extends Error {}
