import { DeconattnError, SeededRandom, deriveSeed } from '@deconattn/core';
import { checkInt, checkSeed, checkTokens } from './checks.js';

export interface TokenBatch {
  /** B·L ids, row-major (row b is window b). */
  inputs: Int32Array;
  /** The same windows shifted by one token: targets[b·L + i] follows inputs[b·L + i]. */
  targets: Int32Array;
}

function checkLength(tokens: Int32Array, seqLen: number, what: string): void {
  if (tokens.length < seqLen + 1) {
    throw new DeconattnError(
      `${what}: the token stream has ${tokens.length} tokens, fewer than seqLen + 1 = ${seqLen + 1} needed for one window and its next-token targets. Use a longer corpus (or a larger validation fraction) or a shorter sequence length.`,
    );
  }
}

/** Copies window starting at `start` (seqLen + 1 tokens) into row `row`. */
function fillRow(tokens: Int32Array, start: number, seqLen: number, row: number, batch: TokenBatch): void {
  const o = row * seqLen;
  batch.inputs.set(tokens.subarray(start, start + seqLen), o);
  batch.targets.set(tokens.subarray(start + 1, start + seqLen + 1), o);
}

/**
 * A training batch of `batchSize` random windows of `seqLen` tokens (start offsets uniform over
 * every position that leaves room for the targets). A pure function of (tokens, batchSize,
 * seqLen, seed, step): the generator is seeded from deriveSeed(seed, `batch:${step}`), so a run
 * resumed at step s draws exactly the batches it would have drawn, whatever happened before.
 */
export function sampleBatch(tokens: Int32Array, batchSize: number, seqLen: number, seed: number, step: number): TokenBatch {
  checkTokens(tokens, 'sampleBatch');
  checkInt(batchSize, 'sampleBatch: batchSize', 1);
  checkInt(seqLen, 'sampleBatch: seqLen', 1);
  checkSeed(seed, 'sampleBatch: seed');
  checkInt(step, 'sampleBatch: step', 0);
  checkLength(tokens, seqLen, 'sampleBatch');
  const starts = tokens.length - seqLen; // valid starts: 0 .. n - seqLen - 1
  const rng = new SeededRandom(deriveSeed(seed, `batch:${step}`));
  const batch: TokenBatch = { inputs: new Int32Array(batchSize * seqLen), targets: new Int32Array(batchSize * seqLen) };
  for (let b = 0; b < batchSize; b++) fillRow(tokens, rng.int(starts), seqLen, b, batch);
  return batch;
}

/**
 * Validation windows: consecutive, non-overlapping windows of `seqLen` tokens from the start of
 * the stream (window k starts at k·seqLen), so every target token is scored once. With
 * `maxWindows`, only the first `maxWindows` windows. Deterministic; `count` is the row count.
 */
export function evalWindows(tokens: Int32Array, seqLen: number, maxWindows?: number): TokenBatch & { count: number } {
  checkTokens(tokens, 'evalWindows');
  checkInt(seqLen, 'evalWindows: seqLen', 1);
  if (maxWindows !== undefined) checkInt(maxWindows, 'evalWindows: maxWindows', 1);
  checkLength(tokens, seqLen, 'evalWindows');
  const available = Math.floor((tokens.length - 1) / seqLen);
  const count = maxWindows === undefined ? available : Math.min(available, maxWindows);
  const batch: TokenBatch = { inputs: new Int32Array(count * seqLen), targets: new Int32Array(count * seqLen) };
  for (let k = 0; k < count; k++) fillRow(tokens, k * seqLen, seqLen, k, batch);
  return { ...batch, count };
}
