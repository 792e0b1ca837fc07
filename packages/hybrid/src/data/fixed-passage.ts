import type { Tokenizer } from '../tokenizer/types.js';
import { bundledCorpus } from './corpus.js';
import { passageFromText } from './passage.js';

/**
 * The default natural-text sequence t_s of the `fixed-seq-qk` mixer (docs/model.md §3.6): the first
 * `length` tokens of the bundled tiny-shakespeare corpus (it starts "First Citizen:\nBefore we
 * proceed any further, hear me speak."), as the paper took the first 2048 tokens of FineWeb.
 * A checkpoint records the ids themselves, so it never depends on recomputing this.
 */
export function fixedPassage(tokenizer: Tokenizer, length: number): { text: string; tokenIds: number[] } {
  return passageFromText(tokenizer, bundledCorpus().text, length);
}
