import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DeconattnError } from '@deconattn/core';
import { BYTE_EOT_ID, TOKENIZER_KINDS, byteTokenizer, parseTokenizerConfig, pythiaTokenizerFromJson } from '../src/tokenizer/index.js';
import { loadTokenizer, pythiaTokenizer } from '../src/node.js';
import type { TokenizerConfig } from '../src/tokenizer/index.js';
import { hybridDataFile } from '../src/node.js';

const SAMPLES = [
  '',
  'Hello world',
  'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.',
  'tabs\tand\r\nCRLF  and   runs     of spaces ',
  'café naïve — “quotes” 日本語 한국어 Ελληνικά',
  'emoji 🤗👩‍👩‍👧 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\uFEFFleading byte-order mark',
  'literal <|endoftext|> marker',
];

describe('byteTokenizer', () => {
  const tok = byteTokenizer();

  it('has 257 ids with <|endoftext|> = 256 as BOS and EOS', () => {
    expect([tok.kind, tok.vocabSize, tok.bosId, tok.eosId]).toEqual(['byte', 257, 256, 256]);
    expect(BYTE_EOT_ID).toBe(256);
  });

  it('encodes UTF-8 bytes and round-trips every sample exactly', () => {
    expect(tok.encode('Aé🤗')).toEqual([0x41, 0xc3, 0xa9, 0xf0, 0x9f, 0xa4, 0x97]);
    for (const s of SAMPLES) {
      const ids = tok.encode(s);
      expect(ids.every((i) => i >= 0 && i < 256)).toBe(true);
      expect(tok.decode(ids)).toBe(s);
    }
  });

  it('decodes invalid and cut UTF-8 to U+FFFD without throwing', () => {
    expect(tok.decode([0xf0, 0x9f])).toBe('\uFFFD'); // first half of an emoji
    expect(tok.decode([0x41, 0xff, 0x42])).toBe('A\uFFFDB');
    expect(tok.decode([0xc0, 0x80])).toBe('\uFFFD\uFFFD'); // overlong NUL
  });

  it('writes id 256 as <|endoftext|> and never joins bytes across it', () => {
    expect(tok.decode([256, 0x68, 0x69, 256])).toBe('<|endoftext|>hi<|endoftext|>');
    // 0xc3 0xa9 is "é", but split by the marker each half is invalid on its own.
    expect(tok.decode([0xc3, 256, 0xa9])).toBe('\uFFFD<|endoftext|>\uFFFD');
    expect(tok.decode([])).toBe('');
  });

  it('rejects ids outside 0..256', () => {
    for (const bad of [-1, 257, 1.5, Number.NaN]) {
      expect(() => tok.decode([65, bad])).toThrow(DeconattnError);
    }
    expect(() => tok.decode([300])).toThrow(/token id 300 at position 0 is not valid; ids must be integers in 0\.\.256/);
  });
});

describe('pythiaTokenizer', () => {
  const tok = pythiaTokenizer();

  it('has the 50,277 ids of the GPT-NeoX-20B tokenizer.json, <|endoftext|> = 0 as BOS and EOS', () => {
    expect([tok.kind, tok.vocabSize, tok.bosId, tok.eosId]).toEqual(['pythia', 50277, 0, 0]);
    expect(tok.decode([0])).toBe('<|endoftext|>');
    expect(tok.decode([1])).toBe('<|padding|>');
    expect(tok.decode([50276])).toBe('  ');
    expect(pythiaTokenizer()).toBe(tok); // built once per process
  });

  it('gives the known GPT-NeoX ids and adds no special tokens', () => {
    expect(tok.encode('Hello world')).toEqual([12092, 1533]);
    expect(tok.encode('Hello')).toEqual([12092]);
    expect(tok.encode(' world')).toEqual([1533]);
    expect(tok.encode('world')).toEqual([10186]);
    expect(tok.encode(' the')).toEqual([253]);
    expect(tok.encode('the')).toEqual([783]);
    expect(tok.encode('The quick brown fox')).toEqual([510, 3158, 8516, 30013]);
    expect(tok.encode('\n\n')).toEqual([535]);
    expect(tok.encode('')).toEqual([]);
  });

  it('uses the space-run added tokens (24 down to 2 spaces), longest first', () => {
    // 50254 is 24 spaces, 50272 is 6: a run of 30 is 24 + 6, and the word after it loses its space.
    expect(tok.encode(`a${' '.repeat(30)}b`)).toEqual([66, 50254, 50272, 67]);
    expect(tok.encode('  x')).toEqual([50276, 89]);
    expect(tok.encode('def f():\n    return 1')).toEqual([1545, 269, 14850, 187, 50274, 2309, 337]);
  });

  it('maps a literal <|endoftext|> in the text to id 0, as Hugging Face tokenizers does', () => {
    expect(tok.encode('Hello<|endoftext|>world')).toEqual([12092, 0, 10186]);
  });

  it('round-trips NFC text exactly and normalises other text to NFC', () => {
    for (const s of SAMPLES) expect(tok.decode(tok.encode(s))).toBe(s);
    expect(tok.encode('e\u0301')).toEqual(tok.encode('\u00e9'));
    expect(tok.decode(tok.encode('e\u0301'))).toBe('\u00e9');
    // No clean-up of tokenization spaces (the library would turn " ." into ".").
    expect(tok.decode(tok.encode('a . b , c'))).toBe('a . b , c');
  });

  it('keeps encode(context) a prefix of encode(context + continuation) when the space starts the continuation', () => {
    // lm-eval moves trailing spaces of the context onto the continuation and takes the
    // continuation's ids from the joint encoding; that relies on this.
    const pairs: [string, string][] = [
      ['Question: is the sky blue?\nAnswer:', ' yes'],
      ['The capital of France is', ' Paris.'],
      ['He said', ' "no"'],
    ];
    for (const [ctx, cont] of pairs) {
      const whole = tok.encode(ctx + cont);
      const c = tok.encode(ctx);
      expect(whole.slice(0, c.length)).toEqual(c);
      expect(whole.slice(c.length)).toEqual(tok.encode(cont));
    }
    // A context ending in a space is not a prefix: " " is its own token (209) before "yes".
    const ctx = tok.encode('Answer: ');
    expect(ctx.at(-1)).toBe(209);
    const whole = tok.encode('Answer: yes');
    expect(whole.slice(0, ctx.length)).not.toEqual(ctx);
  });

  it('decodes a cut character to U+FFFD, the empty list to "", and rejects unknown ids', () => {
    const ids = tok.encode('🤗');
    expect(ids.length).toBeGreaterThan(1);
    expect(tok.decode(ids.slice(0, 1))).toContain('\uFFFD');
    expect(tok.decode([])).toBe('');
    expect(() => tok.decode([50277])).toThrow(/token id 50277 at position 0 is not valid; ids must be integers in 0\.\.50276/);
    expect(() => tok.decode([-1])).toThrow(DeconattnError);
    expect(() => tok.encode(42 as unknown as string)).toThrow(/encode expects a string/);
  });

  it('builds from a parsed tokenizer.json and rejects malformed ones', () => {
    const json = JSON.parse(readFileSync(hybridDataFile('tokenizer/20B_tokenizer.json'), 'utf8'));
    expect(pythiaTokenizerFromJson(json).encode('Hello world')).toEqual([12092, 1533]);
    expect(() => pythiaTokenizerFromJson(null)).toThrow(/parsed object of a Hugging Face tokenizer\.json/);
    const holes = { ...json, added_tokens: [...json.added_tokens, { ...json.added_tokens[0], id: 60000, content: 'x' }] };
    expect(() => pythiaTokenizerFromJson(holes)).toThrow(/expected ids 0\.\.60000 without holes/);
    const noEot = { ...json, added_tokens: json.added_tokens.filter((t: { id: number }) => t.id !== 0) };
    expect(() => pythiaTokenizerFromJson(noEot)).toThrow(/no '<\|endoftext\|>' added token/);
  });
});

describe('loadTokenizer', () => {
  it('rebuilds each kind from its JSON round-tripped config', async () => {
    expect([...TOKENIZER_KINDS]).toEqual(['byte', 'pythia']);
    for (const t of [byteTokenizer(), pythiaTokenizer()]) {
      const config = JSON.parse(JSON.stringify(t.toConfig())) as TokenizerConfig;
      const back = await loadTokenizer(config);
      expect(back.kind).toBe(t.kind);
      expect(back.vocabSize).toBe(t.vocabSize);
      expect(back.encode('Hello world')).toEqual(t.encode('Hello world'));
    }
  });

  it('rejects unknown kinds and non-objects, listing the valid kinds', async () => {
    await expect(loadTokenizer({ kind: 'gpt2' } as unknown as TokenizerConfig)).rejects.toThrow(
      /Unknown tokenizer kind "gpt2"\. Valid kinds: 'byte', 'pythia'\./,
    );
    await expect(loadTokenizer({} as unknown as TokenizerConfig)).rejects.toThrow(/Unknown tokenizer kind undefined\. Valid kinds/);
    expect(() => parseTokenizerConfig('byte')).toThrow(/must be an object like \{ "kind": "byte" \}, got "byte"\. Valid kinds/);
    expect(() => parseTokenizerConfig(null)).toThrow(DeconattnError);
    expect(parseTokenizerConfig({ kind: 'pythia', extra: 1 })).toEqual({ kind: 'pythia' });
  });
});
