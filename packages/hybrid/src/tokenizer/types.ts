/**
 * The tokenizer contract the language model, the trainer and the CLI share. A tokenizer is
 * recorded in a checkpoint by its `toConfig()` and rebuilt with `loadTokenizer`, so a saved model
 * always scores text with the ids it was trained on.
 */
export interface Tokenizer {
  /** The tokenizer family, as in its config (`'byte'`, `'pythia'`). */
  readonly kind: string;
  /** Number of ids, special and added tokens included: the model's embedding rows. */
  readonly vocabSize: number;
  /** Id put before a document (the same token as EOS for both built-in tokenizers). */
  readonly bosId: number;
  /** Id that ends a document. */
  readonly eosId: number;
  /** Token ids of `text`. Adds no BOS/EOS or other special tokens. */
  encode(text: string): number[];
  /**
   * Text of `ids`. Byte sequences that are not valid UTF-8 (a token list cut in the middle of a
   * character) become U+FFFD. Special tokens are written as their text (`<|endoftext|>`).
   * An id outside 0..vocabSize-1 is an error.
   */
  decode(ids: number[]): string;
  /** JSON-serialisable description, enough for `loadTokenizer` to rebuild this tokenizer. */
  toConfig(): TokenizerConfig;
}

/** The tokenizers `loadTokenizer` can build. New kinds extend this union and `TOKENIZER_KINDS`. */
export type TokenizerConfig = { kind: 'byte' } | { kind: 'pythia' };

export type TokenizerKind = TokenizerConfig['kind'];

/** Every valid `kind`, in the order error messages list them. */
export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['byte', 'pythia'];

/** The end-of-text marker both built-in tokenizers use as BOS and EOS. */
export const END_OF_TEXT = '<|endoftext|>';
