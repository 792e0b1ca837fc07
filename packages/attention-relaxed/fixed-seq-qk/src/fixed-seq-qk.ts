import {
  TOKEN_MIXER_SPEC_VERSION,
  DeconattnError,
  type MixerEnvironment,
  type TokenMixerDefinition,
} from '@deconattn/core';
import { FixedStreamAttention, checkStopGradient, type FixedStreamMixerOptions } from '@deconattn/attention-rnd-emb-qk';
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
 * `fixed-seq-qk` (MODEL.md §3.6): relaxes sequence dependency. As `rnd-emb-qk`, but the fixed
 * stream starts from the model's own (trainable) embeddings of a fixed natural-text sequence.
 */
export const fixedSeqQk: TokenMixerDefinition<FixedSeqQkOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  id: 'fixed-seq-qk',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'sequence dependency',
  description: 'Attention maps from a fixed natural-text sequence (its embeddings run through the same layers); values from the input.',
  decoding: 'fixed-maps',
  hasAttentionMap: true,
  defaultOptions: DEFAULTS,
  parseOptions(raw: unknown): FixedSeqQkOptions {
    if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new DeconattnError(`fixed-seq-qk: options must be an object like {"text": "…"} or {"tokenIds": [ … ]}, got ${JSON.stringify(raw)}.`);
    }
    const o = { ...DEFAULTS, ...((raw as object) ?? {}) } as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!(key in DEFAULTS)) throw new DeconattnError(`fixed-seq-qk: unknown option '${key}'. Options: ${Object.keys(DEFAULTS).join(', ')}.`);
    }
    if (o.text !== null && (typeof o.text !== 'string' || o.text === '')) {
      throw new DeconattnError(`fixed-seq-qk: option 'text' must be a non-empty string, or null for the bundled default passage, got ${JSON.stringify(o.text)}.`);
    }
    const ids = o.tokenIds;
    if (ids !== null && !(Array.isArray(ids) && ids.length > 0 && ids.every((x) => Number.isInteger(x) && x >= 0))) {
      throw new DeconattnError(`fixed-seq-qk: option 'tokenIds' must be a non-empty list of non-negative integer token ids, or null, got ${JSON.stringify(ids)?.slice(0, 80)}.`);
    }
    return { text: o.text as string | null, tokenIds: ids === null ? null : [...(ids as number[])], stopGradient: checkStopGradient('fixed-seq-qk', o.stopGradient) };
  },
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
