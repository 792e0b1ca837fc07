import { DeconattnError } from '@deconattn/core';
import type { TokenizerConfig, TokenizerKind } from './types.js';
import { TOKENIZER_KINDS } from './types.js';

/**
 * Checks a config read from JSON (a checkpoint's config.json, a CLI flag) and returns it typed.
 * Unknown kinds are an error that lists the valid ones.
 */
export function parseTokenizerConfig(value: unknown): TokenizerConfig {
  const valid = TOKENIZER_KINDS.map((k) => `'${k}'`).join(', ');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DeconattnError(`Tokenizer config must be an object like { "kind": "byte" }, got ${JSON.stringify(value) ?? String(value)}. Valid kinds: ${valid}.`);
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(TOKENIZER_KINDS as readonly string[]).includes(kind)) {
    throw new DeconattnError(`Unknown tokenizer kind ${JSON.stringify(kind) ?? String(kind)}. Valid kinds: ${valid}.`);
  }
  return { kind: kind as TokenizerKind };
}
