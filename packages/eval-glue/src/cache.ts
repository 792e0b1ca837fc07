/**
 * The answer cache: (model checksum, scored token sequence) → (Σ log-prob, all greedy). One JSON
 * lines file per model checksum under cacheDir, appended after every batch, so an interrupted eval
 * resumes and a re-run is instant. Keys are token-level, so they already reflect the tokenizer,
 * the prompt and the truncation.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScoreRequest } from './model.js';

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
      try {
        const r = JSON.parse(line) as { k: string; ll: number | null; g: boolean };
        // JSON has no -Infinity: a log-prob of -inf is stored as null.
        this.map.set(r.k, { ll: r.ll === null ? -Infinity : r.ll, greedy: r.g });
      } catch {
        // A line cut short by an interrupted run: its request is simply scored again.
      }
    }
  }

  get size(): number {
    return this.map.size;
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
