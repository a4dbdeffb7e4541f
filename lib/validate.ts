/**
 * Argument checks shared by the public API. Every message names the argument,
 * shows the bad value, and says what would be valid.
 */

/** Short printable form of a value for error messages. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  if (Array.isArray(v)) return `[${v.slice(0, 4).map(show).join(', ')}${v.length > 4 ? ', …' : ''}]`;
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A finite number, optionally bounded. */
export function finiteNumber(name: string, v: unknown, opts: { min?: number; exclusiveMin?: number; max?: number } = {}): number {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${show(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be finite, got ${show(v)}`);
  if (opts.exclusiveMin !== undefined && !(v > opts.exclusiveMin)) {
    throw new RangeError(`${name} must be greater than ${opts.exclusiveMin}, got ${show(v)}`);
  }
  if (opts.min !== undefined && v < opts.min) throw new RangeError(`${name} must be at least ${opts.min}, got ${show(v)}`);
  if (opts.max !== undefined && v > opts.max) throw new RangeError(`${name} must be at most ${opts.max}, got ${show(v)}`);
  return v;
}

/** A positive finite number (> 0). */
export function positiveNumber(name: string, v: unknown): number {
  return finiteNumber(name, v, { exclusiveMin: 0 });
}

/** An integer within [min, max]. */
export function integer(name: string, v: unknown, min = 1, max = 2 ** 30): number {
  if (typeof v !== 'number') throw new TypeError(`${name} must be an integer, got ${show(v)}`);
  if (!Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${show(v)}`);
  if (v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${show(v)}`);
  return v;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(name: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new RangeError(`${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

/** A boolean. */
export function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${show(v)}`);
  return v;
}

/** A 2-element shape of positive integers, `[ny, nx]`. */
export function shape2(name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`${name} must be [ny, nx], got ${show(v)}`);
  return [integer(`${name}[0]`, v[0]), integer(`${name}[1]`, v[1])];
}

/** A number or a `[y, x]` pair, expanded to a pair. */
export function pair(name: string, v: unknown, check: (n: string, x: unknown) => number): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new TypeError(`${name} must be a number or [y, x], got ${show(v)}`);
    return [check(`${name}[0]`, v[0]), check(`${name}[1]`, v[1])];
  }
  const x = check(name, v);
  return [x, x];
}

/**
 * Throws a RangeError naming the first key of `o` that is not in `known`:
 * "<prefix><key> is not <what> (known: ...)".
 */
export function knownKeys(prefix: string, o: object, known: readonly string[], what = 'an option'): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new RangeError(`${prefix}${k} is not ${what} (known: ${known.join(', ')})`);
  }
}
