import { closest, distance } from 'fastest-levenshtein';

const BRAND = Symbol.for('@deconattn/core/error');

/** Base class of every error deconattn throws on bad input: says what was wrong and what is right. */
export class DeconattnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeconattnError';
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  /**
   * `instanceof DeconattnError` also holds for errors from another copy of this package (a plugin
   * loaded through CommonJS next to an ESM CLI), as tfjs-core does for tensors.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
    return this === DeconattnError && typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }
}

export class UnknownMixerError extends DeconattnError {
  constructor(
    readonly id: string,
    readonly registered: string[],
    readonly suggestion: string | undefined,
    readonly providedBy: string | undefined,
  ) {
    const parts = [`Unknown token mixer '${id}'.`];
    if (providedBy) parts.push(`It is provided by the package '${providedBy}': install it and import it (or load it as a plugin).`);
    if (suggestion) parts.push(`Did you mean '${suggestion}'?`);
    parts.push(registered.length ? `Registered mixers: ${registered.join(', ')}.` : 'No mixers are registered yet.');
    super(parts.join(' '));
    this.name = 'UnknownMixerError';
  }
}

export class ShapeError extends DeconattnError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** The closest candidate by edit distance, if it is plausibly a typo. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(input, candidates as string[]);
  return distance(input, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Throws a ShapeError unless `shape` matches `expected` (-1 = any size). */
export function assertShape(what: string, shape: readonly number[], expected: readonly number[], meaning: string): void {
  const ok = shape.length === expected.length && expected.every((e, i) => e === -1 || e === shape[i]);
  if (!ok) {
    const exp = expected.map((e) => (e === -1 ? '*' : String(e))).join(', ');
    throw new ShapeError(`${what} has shape [${shape.join(', ')}], expected [${exp}] (${meaning}).`);
  }
}
