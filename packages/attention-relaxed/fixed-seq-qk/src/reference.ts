/**
 * Plain-loop Float64 reference of `fixed-seq-qk` (docs/model.md §3.6). The layer is the fixed-maps
 * attention of `rnd-emb-qk` (re-exported); what differs is where the stream starts:
 * `X₀ = Emb(t_s)`, the rows of the model's embedding table for the fixed token ids.
 */
export { fixedMapsReference as fixedSeqQkReference } from '@deconattn/attention-rnd-emb-qk';

/** `X₀ = Emb(t_s)` (`Lmax×d`) from a flat `[vocab, d]` embedding table. */
export function fixedSequenceStreamStart(embedding: ArrayLike<number>, hiddenSize: number, tokenIds: readonly number[]): number[][] {
  return tokenIds.map((id) => Array.from({ length: hiddenSize }, (_, c) => embedding[id * hiddenSize + c]!));
}
