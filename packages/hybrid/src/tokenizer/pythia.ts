import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { DeconattnError } from '@deconattn/core';
import type { Tokenizer, TokenizerConfig } from './types.js';
import { END_OF_TEXT } from './types.js';
import { checkTokenIds } from './ids.js';

/** Path of the vendored GPT-NeoX-20B tokenizer.json inside the package's data/ folder. */
export const PYTHIA_TOKENIZER_FILE = 'tokenizer/20B_tokenizer.json';


/**
 * What tokenizer_config.json would add. clean_up_tokenization_spaces must be false: the
 * library defaults it to true, which rewrites " ." to "." on decode (transformers issue #25840)
 * and breaks round trips.
 */
const HF_CONFIG = { clean_up_tokenization_spaces: false } as const;

interface TokenizerJson {
  model?: { vocab?: Record<string, number> };
  added_tokens?: { id: number; content: string }[];
}

/**
 * Number of ids: one past the largest id in the BPE vocabulary and the added tokens. The Pythia
 * file has 50,254 BPE entries (0..50253) and 25 added tokens up to 50276 (two special ones in
 * the BPE range, 23 runs of 2..24 spaces): 50,277 ids, as docs/model.md §2 says. Holes would mean a
 * broken file, so they are rejected.
 */
function countIds(json: TokenizerJson): number {
  const ids = new Set<number>();
  for (const id of Object.values(json.model?.vocab ?? {})) ids.add(id);
  for (const t of json.added_tokens ?? []) ids.add(t.id);
  let max = -1;
  for (const id of ids) if (id > max) max = id;
  if (ids.size === 0 || ids.size !== max + 1) {
    throw new DeconattnError(
      `Tokenizer JSON has ${ids.size} distinct ids but its largest id is ${max}: expected ids 0..${max} without holes (a Hugging Face tokenizer.json with model.vocab and added_tokens).`,
    );
  }
  return max + 1;
}

/**
 * The Pythia / GPT-NeoX-20B byte-level BPE from a parsed tokenizer.json, through the maintained
 * `@huggingface/tokenizers` library (NFC normaliser, byte-level pre-tokeniser, BPE, added
 * tokens for runs of spaces). `encode` adds no special tokens. Text that is not in NFC is
 * normalised, so it decodes to its NFC form; NFC text round-trips exactly.
 */
export function pythiaTokenizerFromJson(json: unknown): Tokenizer {
  if (typeof json !== 'object' || json === null || !('model' in json)) {
    throw new DeconattnError('Pythia tokenizer: expected the parsed object of a Hugging Face tokenizer.json (with a "model" field).');
  }
  const tj = json as TokenizerJson;
  const vocabSize = countIds(tj);
  const eot = tj.added_tokens?.find((t) => t.content === END_OF_TEXT);
  if (eot === undefined) {
    throw new DeconattnError(`Pythia tokenizer: the tokenizer.json has no '${END_OF_TEXT}' added token, which is its BOS and EOS.`);
  }
  const hf = new HfTokenizer(json, HF_CONFIG);
  return {
    kind: 'pythia',
    vocabSize,
    bosId: eot.id,
    eosId: eot.id,
    encode(text: string): number[] {
      if (typeof text !== 'string') throw new DeconattnError(`pythia tokenizer: encode expects a string, got ${typeof text}.`);
      return hf.encode(text, { add_special_tokens: false }).ids;
    },
    decode(ids: number[]): string {
      checkTokenIds(ids, vocabSize, 'pythia');
      // The library throws on an empty list; the empty text is the right answer.
      if (ids.length === 0) return '';
      return hf.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    },
    toConfig(): TokenizerConfig {
      return { kind: 'pythia' };
    },
  };
}
