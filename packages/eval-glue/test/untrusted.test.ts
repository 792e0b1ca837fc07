/**
 * Files from outside: task data under --data-dir (bounded before it is read, malformed lines named)
 * and the answer cache (per user, entries validated, every cached answer counted in the results).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { AnswerCache, requestKey } from '../src/cache.js';
import { defaultEvalCacheDir, nodeDataLoader } from '../src/node.js';
import { DATA_FILE_LIMITS } from '../src/data/readers.js';
import { DataFileError } from '../src/errors.js';
import { evaluate } from '../src/evaluate.js';
import { compileZeroShot, loadTaskSpec } from '../src/tasks.js';
import { loadDocs } from '../src/data/load.js';
import { FakeModel, ToyTokenizer } from './helpers/toy.js';

const root = mkdtempSync(join(tmpdir(), 'eval-glue-untrusted-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function dataDir(files: Record<string, string>): string {
  const dir = join(root, String(n++));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}
const docs = (task: string, dir: string) => loadDocs(compileZeroShot(loadTaskSpec(task)).zs.data, task, dir);
function dataError(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    expect((e as Error).message).not.toContain('\n');
    return e as DataFileError;
  }
  throw new Error('expected a DataFileError');
}
const HELLASWAG = 'hellaswag/hellaswag_val.jsonl';
const row = (extra = '') => `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["d"], "label": 0${extra}}`;

describe('task data under --data-dir is bounded before use', () => {
  it('reads a well-formed file (the fixture the refusals below damage)', () => {
    expect(docs('hellaswag', dataDir({ [HELLASWAG]: row() + '\n' }))).toHaveLength(1);
  });

  it('refuses a file larger than the limit without reading it', () => {
    const dir = dataDir({ [HELLASWAG]: '' });
    truncateSync(join(dir, HELLASWAG), DATA_FILE_LIMITS.maxBytes + 1); // sparse: nothing written
    expect(dataError(() => docs('hellaswag', dir)).message).toBe(
      `${join(dir, HELLASWAG)}: ${DATA_FILE_LIMITS.maxBytes + 1} bytes, more than the ${DATA_FILE_LIMITS.maxBytes} a data file may have. Expected ${loadTaskSpec('hellaswag').zeroShot!.data.format}.`,
    );
  });

  it('refuses a device or a FIFO in place of a file (reading would never end)', () => {
    const dir = dataDir({});
    mkdirSync(join(dir, 'hellaswag'), { recursive: true });
    symlinkSync('/dev/zero', join(dir, HELLASWAG));
    expect(dataError(() => docs('hellaswag', dir)).message).toMatch(/hellaswag_val\.jsonl: not a regular file\./);
    const fifo = dataDir({});
    mkdirSync(join(fifo, 'SciQ'), { recursive: true });
    execFileSync('mkfifo', [join(fifo, 'SciQ/test.json')]);
    expect(dataError(() => docs('sciq', fifo)).message).toMatch(/test\.json: not a regular file\./);
  });

  it('refuses deeply nested, "__proto__"-carrying and overlong records, naming the line', () => {
    const deep = dataError(() => docs('hellaswag', dataDir({ [HELLASWAG]: `${row()}\n${row(`, "x": ${'['.repeat(5000)}${']'.repeat(5000)}`)}\n` })));
    expect(deep.line).toBe(2);
    expect(deep.message).toMatch(/line 2: nests arrays\/objects deeper than 32 levels \(at character \d+\)\. Expected one JSON object per line/);
    const proto = dataError(() => docs('hellaswag', dataDir({ [HELLASWAG]: row(', "__proto__": {"label": 1}') + '\n' })));
    expect(proto.message).toMatch(/line 1: has a "__proto__" key/);
    const long = dataError(() => docs('hellaswag', dataDir({ [HELLASWAG]: `${row()}\n${row()}\n${row(`, "pad": "${'x'.repeat(DATA_FILE_LIMITS.maxLineChars)}"`)}\n` })));
    expect(long.line).toBe(3);
    expect(long.message).toMatch(/line 3: a line of \d+ characters\. Expected lines of at most 16777216 characters\./);
    const sciq = dataError(() => docs('sciq', dataDir({ 'SciQ/test.json': '[' + '{"a":'.repeat(100) + '1' + '}'.repeat(100) + ']' })));
    expect(sciq.message).toMatch(/test\.json: nests arrays\/objects deeper than 32 levels/);
  });
});

describe('the answer cache', () => {
  it('lives per user: DECONATTN_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultEvalCacheDir({ DECONATTN_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c/eval');
    expect(defaultEvalCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/deconattn/eval');
    expect(defaultEvalCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache/deconattn/eval'));
    expect(defaultEvalCacheDir({})).toBe(join(homedir(), '.cache/deconattn/eval'));
  });

  it("keys are node:crypto's sha256 (base64url, 32 characters) of the request's int32 bytes, as in cache files written before", () => {
    for (const r of [{ tokens: [1, 2, 3], scoreFrom: 1 }, { tokens: [50276, 0, 7, 7, 65535, 123456], scoreFrom: 0 }, { tokens: Array.from({ length: 300 }, (_, i) => (i * 7919) % 50277), scoreFrom: 250 }]) {
      const h = createHash('sha256');
      h.update(Buffer.from(Int32Array.from([r.scoreFrom, r.tokens.length]).buffer));
      h.update(Buffer.from(Int32Array.from(r.tokens).buffer));
      expect(requestKey(r)).toBe(h.digest('base64url').slice(0, 32));
    }
    expect(requestKey({ tokens: [1, 2], scoreFrom: 0 })).not.toBe(requestKey({ tokens: [1, 2], scoreFrom: 1 }));
  });

  it('uses only well-formed entries: log-probs ≤ 0 (or null = -inf) and a boolean greedy flag', () => {
    const dir = join(root, 'cache-entries');
    const k = (i: number) => requestKey({ tokens: [i, i + 1], scoreFrom: 0 });
    mkdirSync(dir);
    const lines = [
      { k: k(0), ll: -1.5, g: true },
      { k: k(1), ll: null, g: false },
      { k: k(2), ll: 3, g: true }, // a log-probability cannot be positive
      { k: k(3), ll: -1, g: 'yes' },
      { k: 5, ll: -1, g: true },
      { k: k(4), ll: '-1', g: true },
    ];
    writeFileSync(join(dir, 'answers-m.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"k": "cut sh');
    appendFileSync(join(dir, 'answers-m.jsonl'), '\nnull\n');
    const cache = new AnswerCache(nodeDataLoader().openAnswers!(dir, 'm'));
    expect(cache.size).toBe(2);
    expect(cache.get(k(0))).toEqual({ ll: -1.5, greedy: true });
    expect(cache.get(k(1))).toEqual({ ll: -Infinity, greedy: false });
    for (const i of [2, 3, 4]) expect(cache.has(k(i))).toBe(false);
  });

  it('results record how many answers of each task came from the cache', async () => {
    const tok = new ToyTokenizer(['<|endoftext|>', ' yes', ' no']);
    const dir = join(root, 'cache-count');
    const m1 = new FakeModel(tok, { bonus: { ' yes': 1 } });
    const a = await evaluate(m1, { tasks: ['copa', 'boolq'], limit: 3, cacheDir: dir, bootstrapIters: 0 });
    expect(a.results.config.cached_requests).toEqual({ copa: 0, boolq: 0 });
    expect(m1.calls.sequences).toBe(12);
    // Half of the answers lost: those are computed again, the rest counted as cached.
    const [file] = readdirSync(dir);
    const kept = readFileSync(join(dir, file!), 'utf8').trim().split('\n');
    writeFileSync(join(dir, file!), kept.slice(0, 6).join('\n') + '\n');
    const m2 = new FakeModel(tok, { bonus: { ' yes': 1 } });
    const b = await evaluate(m2, { tasks: ['copa', 'boolq'], limit: 3, cacheDir: dir, bootstrapIters: 0 });
    const counted = b.results.config.cached_requests as Record<string, number>;
    expect(counted.copa! + counted.boolq!).toBe(6);
    expect(m2.calls.sequences).toBe(6);
    expect(b.results.results).toEqual(a.results.results);
    const c = await evaluate(new FakeModel(tok, { bonus: { ' yes': 1 } }), { tasks: ['copa', 'boolq'], limit: 3, bootstrapIters: 0 });
    expect(c.results.config).toMatchObject({ use_cache: null, cached_requests: { copa: 0, boolq: 0 } });
  });
});
