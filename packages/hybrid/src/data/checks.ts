import { DeconattnError } from '@deconattn/core';

/** Throws unless `value` is an integer ≥ `min`; `what` names the argument in the message. */
export function checkInt(value: number, what: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new DeconattnError(`${what} must be an integer ≥ ${min}, got ${String(value)}.`);
  }
}

export function checkTokens(tokens: Int32Array, what: string): void {
  if (!(tokens instanceof Int32Array)) {
    throw new DeconattnError(`${what}: tokens must be an Int32Array of token ids, got ${Object.prototype.toString.call(tokens)}.`);
  }
}

/** Seeds are any safe integer; deriveSeed folds them to 32 bits. */
export function checkSeed(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new DeconattnError(`${what} must be an integer, got ${String(value)}.`);
}
