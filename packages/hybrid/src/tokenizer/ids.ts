import { DeconattnError } from '@deconattn/core';

/**
 * Checks ids before decoding: the Hugging Face decoder silently drops unknown ids, which would
 * hide a model/tokenizer mismatch (e.g. a checkpoint scored with the wrong tokenizer).
 */
export function checkTokenIds(ids: readonly number[], vocabSize: number, kind: string): void {
  if (!Array.isArray(ids)) {
    throw new DeconattnError(`${kind} tokenizer: decode expects an array of token ids, got ${typeof ids}.`);
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new DeconattnError(
        `${kind} tokenizer: token id ${String(id)} at position ${i} is not valid; ids must be integers in 0..${vocabSize - 1} (vocabSize ${vocabSize}).`,
      );
    }
  }
}
