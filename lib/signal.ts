/**
 * What airy needs of an `AbortSignal`: Node's and the DOM's both fit. Public
 * types name this instead of the global `AbortSignal` so that the
 * declarations type-check in a project without `@types/node` or the DOM lib.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
