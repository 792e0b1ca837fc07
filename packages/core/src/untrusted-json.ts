/**
 * JSON from files the user did not write (a downloaded checkpoint's config.json, a safetensors
 * header, task data, a package.json found on disk). `JSON.parse` itself copes with any nesting,
 * but the code that walks the value afterwards (`JSON.stringify`, recursive comparisons) does not:
 * a config nested a million levels deep ends in "Maximum call stack size exceeded" far from the
 * file. So the depth is checked on the text first, and keys that would rewrite an object's
 * prototype when the value is copied key by key (`__proto__`) are refused.
 *
 * Pure (no file system): each loader bounds the file's size before reading it, then calls this.
 */

export interface JsonLimits {
  /** Deepest nesting of arrays and objects accepted (default DEFAULT_JSON_MAX_DEPTH). */
  maxDepth?: number;
}

/** Far deeper than any file deconattn reads (a checkpoint config nests about 5 levels). */
export const DEFAULT_JSON_MAX_DEPTH = 64;

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; problem: string };

/** Offset of the first bracket that opens level `max + 1`, or -1. Brackets inside strings do not count. */
export function jsonDepthExceeded(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/**
 * Parses `text`, or says in a few words what is wrong with it (to be put after the file's name):
 * "is not valid JSON (…)", "nests arrays/objects deeper than 64 levels (at character 512)",
 * "has a \"__proto__\" key". Never throws.
 */
export function parseJsonSafely(text: string, limits: JsonLimits = {}): JsonParseResult {
  const max = limits.maxDepth ?? DEFAULT_JSON_MAX_DEPTH;
  const at = jsonDepthExceeded(text, max);
  if (at >= 0) return { ok: false, problem: `nests arrays/objects deeper than ${max} levels (at character ${at})` };
  let proto = false;
  let value: unknown;
  try {
    // The reviver sees every key after unescaping, so "\u005f_proto__" is caught too.
    value = JSON.parse(text, (key, v) => {
      if (key === '__proto__') proto = true;
      return v;
    });
  } catch (e) {
    return { ok: false, problem: `is not valid JSON (${(e as Error).message})` };
  }
  if (proto) return { ok: false, problem: 'has a "__proto__" key, which no deconattn file uses' };
  return { ok: true, value };
}
