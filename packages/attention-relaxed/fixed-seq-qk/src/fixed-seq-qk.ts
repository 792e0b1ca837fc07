import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  DeconattnError,
  type MixerEnvironment,
  type TokenMixerDefinition,
} from '@deconattn/core';
import { FixedStreamAttention, STOP_GRADIENT_CHECK, type FixedStreamMixerOptions } from '@deconattn/attention-rnd-emb-qk';
import pkg from '../package.json';

export interface FixedSeqQkOptions extends FixedStreamMixerOptions {
  /** The fixed natural text t_s (tokenized by the model's tokenizer); null = the bundled default passage. */
  text: string | null;
  /**
   * Token ids of t_s, exactly Lmax of them once prepared. Authoritative when set (a checkpoint
   * stores them at `deconattn.fixed_sequence_token_ids`), so a reload never re-tokenizes.
   */
  tokenIds: number[] | null;
}

const DEFAULTS: FixedSeqQkOptions = { text: null, tokenIds: null, stopGradient: false };

/**
 * Fills `tokenIds` with Lmax ids: given ids (the first Lmax), else the model's tokenizer applied
 * to `text` (its first Lmax tokens), else the environment's default passage. Errors say which is
 * missing and what to give instead.
 */
export function prepareFixedSequence(options: FixedSeqQkOptions, env: MixerEnvironment): FixedSeqQkOptions {
  const lmax = env.dims.maxPositions;
  const take = (ids: number[], source: string): number[] => {
    if (ids.length < lmax) {
      throw new DeconattnError(
        `fixed-seq-qk: the fixed sequence must have Lmax = ${lmax} tokens (one per position of the stream), but ${source} gives only ${ids.length}. Give a longer text or more token ids.`,
      );
    }
    return ids.slice(0, lmax);
  };
  if (options.tokenIds) return { ...options, tokenIds: take(options.tokenIds, 'option tokenIds') };
  if (options.text !== null) {
    if (!env.tokenizer) {
      throw new DeconattnError(`fixed-seq-qk: option 'text' needs the model's tokenizer to turn it into token ids, and none was given. Pass option 'tokenIds' instead, or create the model with a tokenizer in its environment.`);
    }
    return { ...options, tokenIds: take(env.tokenizer.encode(options.text), `the text (${options.text.length} characters)`) };
  }
  if (!env.defaultPassage) {
    throw new DeconattnError(
      `fixed-seq-qk: no fixed sequence. Give option 'text' (tokenized by the model's tokenizer) or 'tokenIds' (${lmax} ids), or create the model with an environment that provides defaultPassage (the bundled corpus).`,
    );
  }
  return { ...options, tokenIds: take(env.defaultPassage(lmax), 'the default passage') };
}

/**
 * `fixed-seq-qk` (docs/model.md §3.6): relaxes sequence dependency. As `rnd-emb-qk`, but the fixed
 * stream starts from the model's own (trainable) embeddings of a fixed natural-text sequence.
 */
export const fixedSeqQk: TokenMixerDefinition<FixedSeqQkOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('fixed-seq-qk', DEFAULTS, {
    text: optionChecks.orNull(optionChecks.nonEmptyString(), 'for the bundled default passage'),
    tokenIds: optionChecks.orNull(optionChecks.tokenIds(), 'to tokenize the text'),
    stopGradient: STOP_GRADIENT_CHECK,
  }),
  id: 'fixed-seq-qk',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'sequence dependency',
  description: 'Attention maps from a fixed natural-text sequence (its embeddings run through the same layers); values from the input.',
  decoding: 'fixed-maps',
  hasAttentionMap: true,
  prepare: prepareFixedSequence,
  needs(options, dims) {
    if (!options.tokenIds) {
      throw new DeconattnError(`fixed-seq-qk: the fixed sequence's token ids are not set. Run the definition's prepare() first (the model does), or pass option 'tokenIds' (${dims.maxPositions} ids).`);
    }
    for (const id of options.tokenIds) {
      if (id >= dims.vocabSize) throw new DeconattnError(`fixed-seq-qk: token id ${id} in the fixed sequence is outside the model's vocabulary (size ${dims.vocabSize}).`);
    }
    return { fixedStream: { kind: 'tokens', tokenIds: options.tokenIds } };
  },
  create: (dims, options) => new FixedStreamAttention('fixed-seq-qk', dims, options),
};
