/**
 * The text functions lm-eval v0.4.8's task utils apply, re-implemented from their documented
 * behaviour (EVAL.md) with Python string semantics. Templates call them by name (`{{x|strip}}`).
 */
import { PY_WS_CLASS, lowerFirst, pyCapitalize, pyLstrip, pyReplace, pyRstrip, pySlice, pySplitWs, pyStr, pyStrip, pyLen } from './pytext.js';

const WS = `[${PY_WS_CLASS}]`;

/** lm_eval.utils.general_detokenize (used by WSC). */
export function generalDetokenize(s: string): string {
  let t = pyReplace(s, " n't", "n't");
  t = pyReplace(t, ' )', ')');
  t = pyReplace(t, '( ', '(');
  t = pyReplace(t, '" ', '"');
  t = pyReplace(t, ' "', '"');
  return t.replace(/ (['.,])/g, '$1');
}

const BRACKETS: [RegExp, string][] = [
  [new RegExp(`\\(${WS}*([^)]*?)${WS}*\\)`, 'gu'), '($1)'],
  [new RegExp(`\\[${WS}*([^\\]]*?)${WS}*\\]`, 'gu'), '[$1]'],
  [new RegExp(`\\{${WS}*([^}]*?)${WS}*\\}`, 'gu'), '{$1}'],
  [new RegExp(`"${WS}*([^"]*?)${WS}*"`, 'gu'), '"$1"'],
  [new RegExp(`'${WS}*([^']*?)${WS}*'`, 'gu'), "'$1'"],
];

/** The WikiText detokenizer of lm-eval's wikitext task, applied to the text that is scored. */
export function wikitextDetokenize(page: string): string {
  let s = pyReplace(page, "s '", "s'");
  // lm-eval also substitutes the literal "/' <digit>/" by "/'[0-9]/" (a regex written as if it were a pattern).
  s = s.replace(/\/' [0-9]\//g, "/'[0-9]/");
  s = pyReplace(s, ' @-@ ', '-');
  s = pyReplace(s, ' @,@ ', ',');
  s = pyReplace(s, ' @.@ ', '.');
  for (const p of [':', ';', '.', '!', '?', ',']) s = pyReplace(s, ` ${p} `, `${p} `);
  for (const [re, to] of BRACKETS) s = s.replace(re, to);
  s = pyReplace(s, '= = = =', '====');
  s = pyReplace(s, '= = =', '===');
  s = pyReplace(s, '= =', '==');
  s = pyReplace(s, ' \u00b0 ', '\u00b0');
  s = pyReplace(s, ' \n', '\n');
  s = pyReplace(s, '\n ', '\n');
  s = pyReplace(s, ' N ', ' 1 ');
  s = pyReplace(s, " 's", "'s");
  return s;
}

/** HellaSwag's preprocess(): strip, " [title]" → ". ", drop [..] spans, "  " → " ". */
export function hellaswagPreprocess(text: string): string {
  let t = pyStrip(text);
  t = pyReplace(t, ' [title]', '. ');
  // Python's "." excludes only "\n" (JS's also excludes \r, \u2028, \u2029).
  t = t.replace(/\[[^\n]*?\]/g, '');
  return pyReplace(t, '  ', ' ');
}

/** WSC: the passage with span2 wrapped in asterisks, as lm-eval's default_doc_to_text builds it (before general_detokenize). */
export function wscMarkSpan(text: string, span2Index: number, span2Text: string): string {
  const pre = pySplitWs(text).slice(0, span2Index).join(' ');
  const post = pySlice(text, pyLen(pre) + pyLen(span2Text) + 1);
  return `${pre} *${span2Text}*${post}`;
}

/** ReCoRD's doc_to_text: passage split at "\n@highlight\n", highlights as "  - {h}.\n" bullets. */
export function recordPassage(passage: string): string {
  const [initial, ...highlights] = pyStrip(passage).split('\n@highlight\n');
  let text = `${initial}\n\n`;
  for (const h of highlights) text += `  - ${h}.\n`;
  return text;
}

type Fn = (value: unknown, args: unknown[], lookups: Record<string, Record<string, string>>) => unknown;

const str = (v: unknown, fn: string): string => {
  if (typeof v !== 'string') throw new Error(`${fn} expects a string, got ${Array.isArray(v) ? 'a list' : typeof v}`);
  return v;
};
const int = (v: unknown, fn: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${fn} expects an integer argument, got ${JSON.stringify(v)}`);
  return v;
};

/** name → [arity, function]. */
export const TRANSFORMS: Record<string, [number, Fn]> = {
  strip: [0, (v) => pyStrip(str(v, 'strip'))],
  lstrip: [0, (v) => pyLstrip(str(v, 'lstrip'))],
  rstrip: [0, (v) => pyRstrip(str(v, 'rstrip'))],
  /** s[:-1] */
  dropLast: [0, (v) => pySlice(str(v, 'dropLast'), 0, -1)],
  lowerFirst: [0, (v) => lowerFirst(str(v, 'lowerFirst'))],
  capitalize: [0, (v) => pyCapitalize(str(v, 'capitalize'))],
  /** MNLI: append "." unless the text already ends in "." */
  ensurePeriod: [0, (v) => (str(v, 'ensurePeriod').endsWith('.') ? (v as string) : `${v as string}.`)],
  generalDetokenize: [0, (v) => generalDetokenize(str(v, 'generalDetokenize'))],
  wikitextDetokenize: [0, (v) => wikitextDetokenize(str(v, 'wikitextDetokenize'))],
  hellaswagPreprocess: [0, (v) => hellaswagPreprocess(str(v, 'hellaswagPreprocess'))],
  recordPassage: [0, (v) => recordPassage(str(v, 'recordPassage'))],
  /** s[start:end] in code points */
  slice: [2, (v, [a, b]) => pySlice(str(v, 'slice'), int(a, 'slice'), int(b, 'slice'))],
  /** str.replace(old, new) */
  replace: [2, (v, [a, b]) => pyReplace(str(v, 'replace'), str(a, 'replace'), str(b, 'replace'))],
  wscMarkSpan: [2, (v, [i, t]) => wscMarkSpan(str(v, 'wscMarkSpan'), int(i, 'wscMarkSpan'), str(t, 'wscMarkSpan'))],
  /** a value looked up in the task's `lookups` table */
  lookup: [
    1,
    (v, [table], lookups) => {
      const name = str(table, 'lookup');
      const t = lookups[name];
      if (!t) throw new Error(`lookup table '${name}' is not defined in the task's "lookups"`);
      const key = pyStr(v);
      if (!(key in t)) throw new Error(`value ${JSON.stringify(key)} is not in lookup table '${name}' (keys: ${Object.keys(t).join(', ')})`);
      return t[key];
    },
  ],
};
