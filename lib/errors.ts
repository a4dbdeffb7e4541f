/**
 * Error classes. Every airy error carries a stable `code` string so callers
 * can branch on it without parsing messages.
 */

/** Base class of errors raised by airy (native failures included). */
export class AiryError extends Error {
  /** Stable machine-readable code, e.g. `ERR_AIRY_FFTW_PLAN`. */
  readonly code: string;
  constructor(message: string, code = 'ERR_AIRY', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AiryError';
    this.code = code;
  }
}

/** A parallel set-up that is known to crash or to oversubscribe the machine. */
export class UnsafeParallelismError extends AiryError {
  /** The safe configuration to use instead. */
  readonly alternative: string;
  constructor(message: string, code: string, alternative: string) {
    super(`${message} Use instead: ${alternative}.`, code);
    this.name = 'UnsafeParallelismError';
    this.alternative = alternative;
  }
}

/**
 * Rethrows an error that came from native code with a JS stack that points at
 * the caller, keeping its `code`. TypeError/RangeError from argument checks in
 * C++ pass through unchanged.
 */
export function rethrowNative(err: unknown): never {
  if (err instanceof TypeError || err instanceof RangeError) throw err;
  if (err instanceof Error) {
    // A C++ allocation failure that no native handler named (node-addon-api passes its what()).
    if (err.message === 'std::bad_alloc') throw new AiryError('out of memory in native code', 'ERR_AIRY_NO_MEMORY', { cause: err });
    const code = (err as { code?: unknown }).code;
    throw new AiryError(err.message, typeof code === 'string' ? code : 'ERR_AIRY_NATIVE', { cause: err });
  }
  throw new AiryError(String(err), 'ERR_AIRY_NATIVE');
}
