import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeconattnError } from '@deconattn/core';
import { evalWindows, passageFromText, sampleBatch, splitTokens, tokenizeCorpus, tokenizeText } from '../src/data/index.js';
import { bundledCorpus, findPackageRoot, fixedPassage, hybridDataDir, loadCorpusFiles } from '../src/node.js';
import { firstInvalidUtf8Offset } from '../src/data/utf8.js';
import { byteTokenizer } from '../src/tokenizer/index.js';
import { pythiaTokenizer } from '../src/node.js';

const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('hybridDataDir', () => {
  it('finds packages/hybrid/data from the sources, with the vendored files in it', () => {
    expect(hybridDataDir()).toBe(join(packageDir, 'data'));
    for (const f of ['tinyshakespeare/input.txt', 'tokenizer/20B_tokenizer.json', 'PROVENANCE.md']) {
      expect(existsSync(join(hybridDataDir(), f))).toBe(true);
    }
    expect(findPackageRoot(join(packageDir, 'src', 'data'), '@deconattn/hybrid')).toBe(packageDir);
  });

  it('says what is missing when no package folder is above the start', () => {
    expect(() => findPackageRoot(tmpdir(), '@deconattn/hybrid')).toThrow(/no package\.json named '@deconattn\/hybrid' at or above/);
  });
});

describe('bundledCorpus', () => {
  it('is tiny-shakespeare byte for byte', () => {
    const c = bundledCorpus();
    expect(c.name).toBe('tinyshakespeare');
    expect(c.text.startsWith('First Citizen:\nBefore we proceed any further, hear me speak.')).toBe(true);
    expect(c.text.length).toBe(1115394); // ASCII: one character per byte
    expect(c.sources).toHaveLength(1);
    expect(c.sources[0].bytes).toBe(1115394);
    expect(c.sources[0].sha256).toBe('86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed');
    expect(c.sources[0].path).toBe(join(packageDir, 'data', 'tinyshakespeare', 'input.txt'));
  });

  it('returns a fresh object each call', () => {
    const a = bundledCorpus();
    a.sources[0].bytes = 0;
    a.name = 'changed';
    expect(bundledCorpus().sources[0].bytes).toBe(1115394);
    expect(bundledCorpus().name).toBe('tinyshakespeare');
  });
});

describe('loadCorpusFiles', () => {
  let dir: string;
  const file = (name: string, content: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deconattn-corpus-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('joins several UTF-8 files with a blank line and records each source', () => {
    const a = file('a.txt', 'Alpha line.\n');
    const b = file('b.txt', 'Beta — ünïcödé.');
    const c = loadCorpusFiles([a, b]);
    expect(c.text).toBe('Alpha line.\n\n\nBeta — ünïcödé.');
    expect(c.name).toBe('a.txt+b.txt');
    expect(c.sources.map((s) => s.path)).toEqual([a, b]);
    expect(c.sources[1].bytes).toBe(Buffer.byteLength('Beta — ünïcödé.'));
    expect(c.sources[1].sha256).toBe(createHash('sha256').update('Beta — ünïcödé.').digest('hex'));
  });

  it('drops a leading byte-order mark but keeps CRLF line endings', () => {
    const p = file('bom.txt', '\uFEFFHello\r\nworld\r\n');
    expect(loadCorpusFiles([p]).text).toBe('Hello\r\nworld\r\n');
  });

  it('names the file for each way it can be unusable', () => {
    const missing = join(dir, 'nope.txt');
    expect(() => loadCorpusFiles([missing])).toThrow(`Corpus file not found: ${missing}`);
    expect(() => loadCorpusFiles([dir])).toThrow(`Corpus path ${dir} is a directory; pass the text files in it`);
    const empty = file('empty.txt', '');
    expect(() => loadCorpusFiles([empty])).toThrow(`Corpus file ${empty} is empty (0 bytes)`);
    const blank = file('blank.txt', ' \n\t\n');
    expect(() => loadCorpusFiles([blank])).toThrow(`Corpus file ${blank} is empty (4 bytes, whitespace only)`);
    const latin1 = file('latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x21])); // "café!" in Latin-1
    expect(() => loadCorpusFiles([latin1])).toThrow(`Corpus file ${latin1} is not valid UTF-8 (first bad byte 0xe9 at byte offset 3)`);
    expect(() => loadCorpusFiles([])).toThrow(/at least one file path/);
    expect(() => loadCorpusFiles([''])).toThrow(/non-empty strings/);
    // A bad file among good ones is still reported by name.
    const good = file('good.txt', 'fine');
    expect(() => loadCorpusFiles([good, missing])).toThrow(DeconattnError);
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('accepts well-formed UTF-8 and finds the first ill-formed sequence', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(firstInvalidUtf8Offset(enc('aé日🤗'))).toBe(-1);
    expect(firstInvalidUtf8Offset(Uint8Array.from([0x41, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(firstInvalidUtf8Offset(Uint8Array.from([0x41, 0x42, 0xf0, 0x9f]))).toBe(2); // cut at the end
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
    expect(firstInvalidUtf8Offset(Uint8Array.from([0x80]))).toBe(0); // lone continuation
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xe2, 0x82, 0x41]))).toBe(0); // bad continuation
  });
});

describe('splitTokens', () => {
  it('holds out the last valFraction of the stream', () => {
    const { train, val } = splitTokens(range(1000));
    expect([train.length, val.length]).toEqual([900, 100]);
    expect(train[899]).toBe(899);
    expect(val[0]).toBe(900);
    const s = splitTokens(range(1005), 0.25);
    expect([s.train.length, s.val.length]).toEqual([754, 251]); // floor(1005 * 0.25) = 251
    const none = splitTokens(range(10), 0);
    expect([none.train.length, none.val.length]).toEqual([10, 0]);
  });

  it('rejects bad fractions and streams too short to split', () => {
    for (const f of [1, -0.1, Number.NaN, 1.5]) expect(() => splitTokens(range(100), f)).toThrow(/valFraction must be a number in \[0, 1\)/);
    expect(() => splitTokens(range(5), 0.1)).toThrow(/5 tokens are too few to hold out 0\.1/);
    expect(() => splitTokens(new Int32Array(0))).toThrow(/token stream is empty/);
    expect(() => splitTokens([1, 2, 3] as unknown as Int32Array)).toThrow(/must be an Int32Array/);
  });
});

describe('sampleBatch', () => {
  const tokens = range(5000);

  it('gives B windows of L tokens, targets shifted by one, inside the stream', () => {
    const { inputs, targets } = sampleBatch(tokens, 4, 16, 7, 0);
    expect(inputs.length).toBe(64);
    expect(targets.length).toBe(64);
    for (let b = 0; b < 4; b++) {
      const start = inputs[b * 16];
      for (let i = 0; i < 16; i++) {
        expect(inputs[b * 16 + i]).toBe(start + i);
        expect(targets[b * 16 + i]).toBe(start + i + 1);
      }
      expect(start + 16).toBeLessThan(5000);
    }
  });

  it('is a pure function of (seed, step)', () => {
    const a = sampleBatch(tokens, 8, 32, 1234, 17);
    const b = sampleBatch(tokens, 8, 32, 1234, 17);
    expect(Array.from(b.inputs)).toEqual(Array.from(a.inputs));
    expect(Array.from(b.targets)).toEqual(Array.from(a.targets));
    expect(Array.from(sampleBatch(tokens, 8, 32, 1234, 18).inputs)).not.toEqual(Array.from(a.inputs));
    expect(Array.from(sampleBatch(tokens, 8, 32, 1235, 17).inputs)).not.toEqual(Array.from(a.inputs));
  });

  it('reaches both ends of the stream when the only choice is the whole of it or close to it', () => {
    // With n = L + 1 there is exactly one window.
    const one = sampleBatch(range(9), 3, 8, 0, 0);
    expect(Array.from(one.inputs.subarray(16))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(one.targets.subarray(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // With two possible starts, many steps draw both.
    const starts = new Set<number>();
    for (let s = 0; s < 64; s++) starts.add(sampleBatch(range(10), 1, 8, 5, s).inputs[0]);
    expect([...starts].sort()).toEqual([0, 1]);
  });

  it('rejects bad arguments and a stream shorter than seqLen + 1', () => {
    expect(() => sampleBatch(range(8), 1, 8, 0, 0)).toThrow(/has 8 tokens, fewer than seqLen \+ 1 = 9/);
    expect(() => sampleBatch(tokens, 0, 8, 0, 0)).toThrow(/batchSize must be an integer ≥ 1, got 0/);
    expect(() => sampleBatch(tokens, 2, 2.5, 0, 0)).toThrow(/seqLen must be an integer ≥ 1, got 2\.5/);
    expect(() => sampleBatch(tokens, 2, 8, 0.5, 0)).toThrow(/seed must be an integer, got 0\.5/);
    expect(() => sampleBatch(tokens, 2, 8, 0, -1)).toThrow(/step must be an integer ≥ 0, got -1/);
  });
});

describe('evalWindows', () => {
  it('takes consecutive non-overlapping windows from the start', () => {
    const w = evalWindows(range(35), 8);
    expect(w.count).toBe(4); // floor((35 - 1) / 8)
    expect(Array.from(w.inputs.subarray(8, 16))).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(Array.from(w.targets.subarray(24, 32))).toEqual([25, 26, 27, 28, 29, 30, 31, 32]);
    const limited = evalWindows(range(35), 8, 2);
    expect(limited.count).toBe(2);
    expect(Array.from(limited.inputs)).toEqual(Array.from(w.inputs.subarray(0, 16)));
    expect(evalWindows(range(35), 8, 100).count).toBe(4);
    expect(evalWindows(range(33), 8).count).toBe(4); // the last target is token 32
  });

  it('rejects bad arguments and a stream shorter than seqLen + 1', () => {
    expect(() => evalWindows(range(8), 8)).toThrow(/evalWindows: the token stream has 8 tokens, fewer than seqLen \+ 1 = 9/);
    expect(() => evalWindows(range(100), 0)).toThrow(/seqLen must be an integer ≥ 1/);
    expect(() => evalWindows(range(100), 8, 0)).toThrow(/maxWindows must be an integer ≥ 1, got 0/);
  });
});

describe('tokenizeCorpus', () => {
  it('tokenizes once per (tokenizer, text) and hands out copies', () => {
    const tok = byteTokenizer();
    const corpus = { text: 'To be, or not to be' };
    const a = tokenizeCorpus(tok, corpus);
    expect(Array.from(a)).toEqual(tok.encode(corpus.text));
    a[0] = 999;
    expect(tokenizeCorpus(tok, corpus)[0]).toBe('T'.charCodeAt(0));
    expect(Array.from(tokenizeText(pythiaTokenizer(), 'Hello world'))).toEqual([12092, 1533]);
  });
});

describe('fixedPassage', () => {
  it('is the first `length` tokens of tiny-shakespeare', () => {
    const bytes = fixedPassage(byteTokenizer(), 64);
    expect(bytes.tokenIds).toHaveLength(64);
    expect(bytes.text).toBe(bundledCorpus().text.slice(0, 64));

    const tok = pythiaTokenizer();
    const p = fixedPassage(tok, 1000);
    expect(p.tokenIds).toHaveLength(1000);
    // Equal to the first 1000 tokens of a much longer prefix: the cut changes no token.
    const text = bundledCorpus().text;
    expect(p.tokenIds).toEqual(tok.encode(text.slice(0, 20000)).slice(0, 1000));
    expect(text.startsWith(p.text)).toBe(true);
    expect(fixedPassage(tok, 1000)).toEqual(p);
  });

  it('cuts only where tokens do not change, also without line breaks', () => {
    const tok = pythiaTokenizer();
    const words = Array.from({ length: 3000 }, (_, i) => `w${i % 97}x`).join(' ');
    expect(passageFromText(tok, words, 500).tokenIds).toEqual(tok.encode(words).slice(0, 500));
    const noSafePoint = 'ab'.repeat(3000); // one long word: tokenized whole
    expect(passageFromText(tok, noSafePoint, 40).tokenIds).toEqual(tok.encode(noSafePoint).slice(0, 40));
  });

  it('rejects a text that is too short and a bad length', () => {
    expect(() => passageFromText(byteTokenizer(), 'short', 6)).toThrow(/has only 5 byte tokens; 6 are needed/);
    expect(() => fixedPassage(byteTokenizer(), 0)).toThrow(/Fixed passage length must be an integer ≥ 1, got 0/);
    expect(() => fixedPassage(byteTokenizer(), 2_000_000)).toThrow(/has only 1115394 byte tokens; 2000000 are needed/);
  });
});
