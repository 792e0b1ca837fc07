/**
 * The answer cache: (model checksum, scored token sequence) → (Σ log-prob, all greedy). One JSON
 * lines file per model checksum under cacheDir, appended after every batch, so an interrupted eval
 * resumes and a re-run is instant. Keys are token-level, so they already reflect the tokenizer,
 * the prompt and the truncation.
 *
 * Cached answers are trusted as the scores of that model, so the cache must live where only the
 * user's own runs write: the per-user cache directory (defaultEvalCacheDir), never a directory
 * that came with a model (a downloaded checkpoint could otherwise ship made-up answers under its
 * own checksum). Results record how many answers came from the cache.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ScoreRequest } from './model.js';

/**
 * The per-user answer cache: `$DECONATTN_CACHE_DIR/eval`, else `$XDG_CACHE_HOME/deconattn/eval`,
 * else `~/.cache/deconattn/eval` (relative XDG paths are ignored, as the XDG spec says).
 */
export function defaultEvalCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.DECONATTN_CACHE_DIR) return join(env.DECONATTN_CACHE_DIR, 'eval');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'deconattn', 'eval');
}

export interface Answer {
  ll: number;
  greedy: boolean;
}

export function requestKey(r: ScoreRequest): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(Int32Array.from([r.scoreFrom, r.tokens.length]).buffer));
  h.update(new Uint8Array(Int32Array.from(r.tokens).buffer));
  return h.digest('base64url').slice(0, 32);
}

export class AnswerCache {
  private readonly map = new Map<string, Answer>();
  private readonly file: string | undefined;
  private pending: string[] = [];

  constructor(dir: string | undefined, checksum: string) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const safe = checksum.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'model';
    this.file = join(dir, `answers-${safe}.jsonl`);
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
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
    if (this.file) this.pending.push(JSON.stringify({ k: key, ll: Number.isFinite(a.ll) ? a.ll : null, g: a.greedy }));
  }

  flush(): void {
    if (!this.file || this.pending.length === 0) return;
    appendFileSync(this.file, this.pending.join('\n') + '\n');
    this.pending = [];
  }
}
