import { sha256Hex } from '../hash.js';
import type { Tokenizer } from '../tokenizer/types.js';
import type { Corpus } from './corpus.js';

/** The ids of `text` as an Int32Array (the form the data pipeline uses), no special tokens. */
export function tokenizeText(tokenizer: Tokenizer, text: string): Int32Array {
  return Int32Array.from(tokenizer.encode(text));
}

// Tokenizing tiny-shakespeare with the Pythia BPE takes about a second on one core; the trainer,
// validation and the fixed passage all need it, so the last few results are kept per process.
const MAX_CACHED = 4;
const cache = new Map<string, Int32Array>();

/**
 * The corpus as token ids, memoised per process by (tokenizer config, SHA-256 of the text).
 * Returns a copy, so a caller that writes into it cannot corrupt the cache.
 */
export function tokenizeCorpus(tokenizer: Tokenizer, corpus: Pick<Corpus, 'text'>): Int32Array {
  const key = `${JSON.stringify(tokenizer.toConfig())}:${sha256Hex(corpus.text)}`;
  let ids = cache.get(key);
  if (ids === undefined) {
    ids = tokenizeText(tokenizer, corpus.text);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, ids);
  }
  return ids.slice();
}
