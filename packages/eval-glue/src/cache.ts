/**
 * The answer cache: (model checksum, scored token sequence) → (Σ log-prob, all greedy). One JSON
 * lines store per model checksum under cacheDir (a file, with the Node loader), appended after every batch, so an interrupted eval
 * resumes and a re-run is instant. Keys are token-level, so they already reflect the tokenizer,
 * the prompt and the truncation.
 *
 * Cached answers are trusted as the scores of that model, so the cache must live where only the
 * user's own runs write: the per-user cache directory (defaultEvalCacheDir, in the /node entry), never a directory
 * that came with a model (a downloaded checkpoint could otherwise ship made-up answers under its
 * own checksum). Results record how many answers came from the cache.
 */
import { sha256 } from '@noble/hashes/sha2';
import type { AnswerStore } from './loader.js';
import type { ScoreRequest } from './model.js';

export interface Answer {
  ll: number;
  greedy: boolean;
}

/** base64url without padding (what node:crypto's digest('base64url') writes), in browsers too. */
function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** sha256 of (scoreFrom, length, tokens) as int32 bytes: the same keys as the cache files written before. */
export function requestKey(r: ScoreRequest): string {
  const h = sha256.create();
  h.update(new Uint8Array(Int32Array.from([r.scoreFrom, r.tokens.length]).buffer));
  h.update(new Uint8Array(Int32Array.from(r.tokens).buffer));
  return base64url(h.digest()).slice(0, 32);
}

export class AnswerCache {
  private readonly map = new Map<string, Answer>();
  private readonly store: AnswerStore | undefined;
  private pending: string[] = [];

  /** `store`: where this model's answers persist (undefined: this run only). */
  constructor(store?: AnswerStore) {
    this.store = store;
    const text = store?.read();
    if (!text) return;
    for (const line of text.split('\n')) {
      if (!line) continue;
      let r: { k?: unknown; ll?: unknown; g?: unknown };
      try {
        r = JSON.parse(line);
      } catch {
        continue; // a line cut short by an interrupted run: its request is simply scored again
      }
      // Anything but a well-formed answer is skipped (and scored again), never half-used.
      if (typeof r !== 'object' || r === null || typeof r.k !== 'string' || typeof r.g !== 'boolean') continue;
      if (!(r.ll === null || (typeof r.ll === 'number' && Number.isFinite(r.ll) && r.ll <= 0))) continue;
      // JSON has no -Infinity: a log-prob of -inf is stored as null.
      this.map.set(r.k, { ll: r.ll === null ? -Infinity : r.ll, greedy: r.g });
    }
  }

  get size(): number {
    return this.map.size;
  }

  /** Whether `key` was answered before (on disk or earlier in this run). */
  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): Answer | undefined {
    return this.map.get(key);
  }

  set(key: string, a: Answer): void {
    this.map.set(key, a);
    if (this.store) this.pending.push(JSON.stringify({ k: key, ll: Number.isFinite(a.ll) ? a.ll : null, g: a.greedy }));
  }

  flush(): void {
    if (!this.store || this.pending.length === 0) return;
    this.store.append(this.pending.join('\n') + '\n');
    this.pending = [];
  }
}
