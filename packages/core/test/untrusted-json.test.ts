import { describe, expect, it } from 'vitest';
import { DEFAULT_JSON_MAX_DEPTH, jsonDepthExceeded, parseJsonSafely } from '../src/untrusted-json.js';

/** Independent reference: the nesting depth of a parsed value, by recursion. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

/** A value nested `d` levels, alternating arrays and objects, with brackets inside strings as decoys. */
function nested(d: number): unknown {
  let v: unknown = '[{"not": "nesting"}]\\"[';
  for (let i = 0; i < d; i++) v = i % 2 ? { k: v, s: '}}]]' } : [v, '{{[[', 1];
  return v;
}

describe('JSON from untrusted files', () => {
  it('measures nesting as the parsed value has it (strings and escapes do not count)', () => {
    for (const d of [0, 1, 2, 5, 31, 32, 33, 64, 65]) {
      const text = JSON.stringify(nested(d));
      expect(depthOf(JSON.parse(text))).toBe(d);
      for (const max of [d - 1, d, d + 1]) {
        if (max < 0) continue;
        expect(jsonDepthExceeded(text, max) >= 0, `depth ${d}, max ${max}`).toBe(d > max);
      }
    }
  });

  it('parses what is within bounds and names each problem in a few words', () => {
    expect(parseJsonSafely('{"a": [1, {"b": "]"}]}')).toEqual({ ok: true, value: { a: [1, { b: ']' }] } });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(parseJsonSafely(deep)).toEqual({ ok: false, problem: `nests arrays/objects deeper than ${DEFAULT_JSON_MAX_DEPTH} levels (at character ${DEFAULT_JSON_MAX_DEPTH})` });
    expect(parseJsonSafely('[[1]]', { maxDepth: 1 })).toMatchObject({ ok: false, problem: expect.stringMatching(/deeper than 1 levels \(at character 1\)/) });
    expect(parseJsonSafely('{"a": ')).toMatchObject({ ok: false, problem: expect.stringMatching(/^is not valid JSON \(/) });
  });

  it('refuses "__proto__" keys, escaped or not, and leaves Object.prototype alone', () => {
    for (const text of ['{"__proto__": {"polluted": 1}}', '{"a": [{"\\u005f_proto__": {"polluted": 1}}]}']) {
      expect(parseJsonSafely(text)).toEqual({ ok: false, problem: 'has a "__proto__" key, which no deconattn file uses' });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parseJsonSafely('{"proto": "__proto__"}')).toEqual({ ok: true, value: { proto: '__proto__' } });
  });
});
