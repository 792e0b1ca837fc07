/**
 * A toy tokenizer and an exactly computable fake ScoringModel for tests.
 *
 * ToyTokenizer: GPT-2-style pre-tokenisation (a word keeps its leading space; whitespace runs
 * before a word leave their last space to it), pieces in a fixed vocabulary map to their id, any
 * other piece falls back to one token per character (id = vocab size + code point). So joint
 * tokenisation across a context/continuation boundary behaves like BPE: "Answer:" + " yes" gives
 * [..., ":", " yes"], while "Answer: " + "yes" would not.
 *
 * FakeModel: a bigram model whose logit for `next` after `prev` is bonus[next] + pair[prev][next]
 * (0 for everything else) over a vocabulary of `vocabTotal` ids, so every log-prob and argmax is a
 * closed-form number the tests can compute by hand.
 */
import type { EvalTokenizer, NextTokenRequest, NextTokenResult, ScoreRequest, ScoreResult, ScoringModel } from '../../src/model.js';

const PIECES = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export class ToyTokenizer implements EvalTokenizer {
  readonly bosId = 0;
  readonly eosId = 0;
  readonly kind = 'toy-pieces';
  private readonly ids = new Map<string, number>();
  readonly vocabTotal: number;

  constructor(readonly vocab: string[]) {
    if (vocab[0] !== '<|endoftext|>') throw new Error('vocab[0] must be <|endoftext|>');
    vocab.forEach((v, i) => this.ids.set(v, i));
    this.vocabTotal = vocab.length + 0x110000;
  }

  id(piece: string): number {
    const id = this.ids.get(piece);
    if (id === undefined) throw new Error(`'${piece}' is not in the toy vocabulary`);
    return id;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const m of text.matchAll(PIECES)) {
      const id = this.ids.get(m[0]);
      if (id !== undefined) out.push(id);
      else for (const ch of m[0]) out.push(this.vocab.length + ch.codePointAt(0)!);
    }
    return out;
  }

  decode(ids: number[]): string {
    return ids.map((i) => (i < this.vocab.length ? this.vocab[i] : String.fromCodePoint(i - this.vocab.length))).join('');
  }
}

export interface FakeModelOptions {
  bonus?: Record<string, number>;
  pair?: Record<string, Record<string, number>>;
  maxLength?: number;
  /** Also offer the scoreNextTokens fast path. */
  nextTokens?: boolean;
}

export class FakeModel implements ScoringModel {
  readonly maxLength: number;
  readonly checksum: string;
  readonly description: Record<string, unknown>;
  /** Sequences scored so far (scoreTokens) and inputs scored (scoreNextTokens). */
  calls = { sequences: 0, nextInputs: 0, batches: 0 };
  scoreNextTokens?: (batch: NextTokenRequest[]) => Promise<NextTokenResult[]>;
  private readonly bonus = new Map<number, number>();
  private readonly pair = new Map<number, Map<number, number>>();
  private readonly known = new Set<number>();

  constructor(
    readonly tokenizer: ToyTokenizer,
    opts: FakeModelOptions = {},
  ) {
    this.maxLength = opts.maxLength ?? 2048;
    for (const [k, v] of Object.entries(opts.bonus ?? {})) {
      this.bonus.set(tokenizer.id(k), v);
      this.known.add(tokenizer.id(k));
    }
    for (const [p, m] of Object.entries(opts.pair ?? {})) {
      const inner = new Map<number, number>();
      for (const [n, v] of Object.entries(m)) {
        inner.set(tokenizer.id(n), v);
        this.known.add(tokenizer.id(n));
      }
      this.pair.set(tokenizer.id(p), inner);
    }
    this.checksum = `fake-${JSON.stringify(opts)}`;
    this.description = { name: 'fake-bigram', backend: 'js' };
    if (opts.nextTokens) {
      this.scoreNextTokens = async (batch) => {
        this.calls.batches++;
        return batch.map(({ tokens, candidates }) => {
          if (tokens.length > this.maxLength) throw new Error(`input of ${tokens.length} > maxLength`);
          this.calls.nextInputs++;
          const prev = tokens[tokens.length - 1]!;
          const best = this.argmax(prev);
          return { logprobs: candidates.map((c) => this.logprob(prev, c)), greedy: candidates.map((c) => c === best) };
        });
      };
    }
  }

  logit(prev: number, next: number): number {
    return (this.bonus.get(next) ?? 0) + (this.pair.get(prev)?.get(next) ?? 0);
  }

  logprob(prev: number, next: number): number {
    let z = this.tokenizer.vocabTotal - this.known.size;
    for (const k of this.known) z += Math.exp(this.logit(prev, k));
    return this.logit(prev, next) - Math.log(z);
  }

  /** The smallest id with the largest logit (torch/numpy argmax take the first maximum). */
  argmax(prev: number): number {
    let best = -Infinity;
    for (const k of this.known) best = Math.max(best, this.logit(prev, k));
    let firstUnknown = 0;
    while (this.known.has(firstUnknown)) firstUnknown++;
    if (best < 0) return firstUnknown;
    const ties = [...this.known].filter((k) => this.logit(prev, k) === best);
    if (best === 0) ties.push(firstUnknown);
    return Math.min(...ties);
  }

  async scoreTokens(batch: ScoreRequest[]): Promise<ScoreResult[]> {
    this.calls.batches++;
    return batch.map(({ tokens, scoreFrom }) => {
      if (tokens.length > this.maxLength + 1) throw new Error(`sequence of ${tokens.length} > maxLength + 1`);
      this.calls.sequences++;
      const logprobs: number[] = [];
      const greedy: boolean[] = [];
      for (let i = scoreFrom; i < tokens.length - 1; i++) {
        logprobs.push(this.logprob(tokens[i]!, tokens[i + 1]!));
        greedy.push(this.argmax(tokens[i]!) === tokens[i + 1]);
      }
      return { logprobs, greedy };
    });
  }
}
