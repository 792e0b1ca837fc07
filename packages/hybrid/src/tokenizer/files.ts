import { readFileSync, statSync } from 'node:fs';
import { DeconattnError, parseJsonSafely } from '@deconattn/core';
import type { Tokenizer, TokenizerKind, TokenizerConfig } from './types.js';
import { byteTokenizer } from './byte.js';
import { PYTHIA_TOKENIZER_FILE, pythiaTokenizerFromJson } from './pythia.js';
import { parseTokenizerConfig } from './load.js';
import { hybridDataFile } from '../data/dataDir.js';

/** Bounds for a tokenizer.json read from disk: the Pythia one is 2.4 MB and nests 3 levels. */
export const TOKENIZER_FILE_LIMITS = { maxBytes: 64 * 2 ** 20, maxDepth: 16 } as const;

/** A Hugging Face tokenizer.json from disk, size and nesting bounded; errors name the file. */
export function readTokenizerJson(file: string): unknown {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > TOKENIZER_FILE_LIMITS.maxBytes) throw new Error(`${st.size} bytes, more than the ${TOKENIZER_FILE_LIMITS.maxBytes} allowed for a tokenizer`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DeconattnError(`Cannot read the tokenizer ${file}: ${(e as Error).message}.`);
  }
  const r = parseJsonSafely(text, { maxDepth: TOKENIZER_FILE_LIMITS.maxDepth });
  if (!r.ok) throw new DeconattnError(`The tokenizer ${file} ${r.problem}.`);
  return r.value;
}

let cached: Tokenizer | undefined;

/**
 * The vendored Pythia tokenizer (data/tokenizer/20B_tokenizer.json). Built once per process
 * (about 0.1 s) and shared: it holds no per-call state a caller could change.
 */
export function pythiaTokenizer(): Tokenizer {
  if (cached === undefined) {
    const file = hybridDataFile(PYTHIA_TOKENIZER_FILE);
    let json: unknown;
    try {
      json = readTokenizerJson(file);
    } catch (e) {
      throw new DeconattnError(`${(e as Error).message} Reinstall @deconattn/hybrid.`);
    }
    cached = pythiaTokenizerFromJson(json);
  }
  return cached;
}

const builders: Record<TokenizerKind, () => Tokenizer> = {
  byte: byteTokenizer,
  pythia: pythiaTokenizer,
};

/**
 * Rebuilds a tokenizer from its `toConfig()` (as stored in a checkpoint). Asynchronous so that
 * future kinds may load their files lazily; the built-in ones are ready at once.
 */
export async function loadTokenizer(config: TokenizerConfig): Promise<Tokenizer> {
  return builders[parseTokenizerConfig(config).kind]();
}
