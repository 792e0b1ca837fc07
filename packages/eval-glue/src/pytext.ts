/**
 * Python string semantics that lm-eval's prompts depend on. JS strings index UTF-16 code units and
 * `trim()` knows a slightly different whitespace set, so byte-for-byte parity needs these.
 */

/** The characters for which Python's str.isspace() is true (also what `\s` matches in `re` for str). */
export const PY_WS_CLASS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WS_SET = new RegExp(`^[${PY_WS_CLASS}]$`, 'u');
const LEADING = new RegExp(`^[${PY_WS_CLASS}]+`, 'u');
const TRAILING = new RegExp(`[${PY_WS_CLASS}]+$`, 'u');
const RUNS = new RegExp(`[${PY_WS_CLASS}]+`, 'u');

export function isPySpace(ch: string): boolean {
  return WS_SET.test(ch);
}

export function pyStrip(s: string): string {
  return pyRstrip(pyLstrip(s));
}
export function pyLstrip(s: string): string {
  return s.replace(LEADING, '');
}
export function pyRstrip(s: string): string {
  return s.replace(TRAILING, '');
}

/** str.split() with no argument: split on whitespace runs, no empty strings. */
export function pySplitWs(s: string): string[] {
  const t = pyStrip(s);
  return t === '' ? [] : t.split(new RegExp(`[${PY_WS_CLASS}]+`, 'u'));
}

/** len(re.split(r"\s+", s)): the pieces include empty strings at a leading/trailing whitespace edge. */
export function pyReSplitWsCount(s: string): number {
  return s.split(new RegExp(RUNS.source, 'gu')).length;
}

/** Code points of s (what Python indexes). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** len(s) in Python (code points). */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** s[start:end] in Python, with negative and out-of-range indices clamped as Python does. */
export function pySlice(s: string, start?: number, end?: number): string {
  const cps = codePoints(s);
  const n = cps.length;
  const norm = (i: number | undefined, dflt: number): number => {
    if (i === undefined) return dflt;
    if (i < 0) return Math.max(0, n + i);
    return Math.min(i, n);
  };
  const a = norm(start, 0);
  const b = norm(end, n);
  return b <= a ? '' : cps.slice(a, b).join('');
}

/** str.capitalize(): first character title/upper-cased, the rest lower-cased. */
export function pyCapitalize(s: string): string {
  const cps = codePoints(s);
  if (cps.length === 0) return s;
  return cps[0]!.toUpperCase() + cps.slice(1).join('').toLowerCase();
}

/** Python's str.lower() of the first character + the rest unchanged (COPA's convert_choice). */
export function lowerFirst(s: string): string {
  const cps = codePoints(s);
  if (cps.length === 0) throw new Error('lowerFirst of an empty string (Python raises IndexError)');
  return cps[0]!.toLowerCase() + cps.slice(1).join('');
}

/** Python's default string ordering (by code point), for sorted(). */
export function pyCompare(a: string, b: string): number {
  const x = codePoints(a);
  const y = codePoints(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** str.replace(old, new) replaces every occurrence. */
export function pyReplace(s: string, from: string, to: string): string {
  return from === '' ? s : s.split(from).join(to);
}

/** Python str() of a scalar the way Jinja renders it. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Object.is(v, -0)) return String(v);
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    const r = String(v);
    return /[e.]/.test(r) ? r : `${r}.0`;
  }
  if (v === null || v === undefined) return 'None';
  throw new Error(`cannot render a ${Array.isArray(v) ? 'list' : typeof v} into a prompt`);
}

/** UTF-8 byte length (Python len(s.encode("utf-8"))). */
const ENCODER = new TextEncoder();
export function utf8Length(s: string): number {
  return ENCODER.encode(s).length;
}
