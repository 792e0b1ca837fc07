/**
 * A small template language for prompts in task files, enough to express lm-eval v0.4.8's
 * doc_to_text / doc_to_choice / doc_to_target of our tasks as data:
 *
 *   "{{sentence}}\nQuestion: Does this sentence make sense?\nAnswer:"
 *   "{{premise|strip|dropLast}} {{question|lookup:'connector'}}"
 *   "{{sentence1|slice:start1:end1}}"            (arguments: integers, 'quoted strings' or field paths)
 *
 * A template may also be an object `{ "template": "...", "post": ["hellaswagPreprocess"] }`: the
 * `post` functions apply to the whole rendered string. Field paths are `a.b[0]`; inside a
 * per-item choice template the current item is `item`.
 */
import { pyStr } from './pytext.js';
import { TRANSFORMS } from './transforms.js';

export type TemplateSpec = string | { template: string; post?: string[] };

type Arg = { kind: 'int'; value: number } | { kind: 'str'; value: string } | { kind: 'path'; path: (string | number)[] };
interface Call {
  name: string;
  args: Arg[];
}
type Part = string | { path: (string | number)[]; calls: Call[] };

export interface CompiledTemplate {
  source: TemplateSpec;
  /** The field paths the template reads (validated against each doc). */
  fields: string[];
  render(doc: Record<string, unknown>, lookups?: Record<string, Record<string, string>>, item?: unknown): string;
}

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

function parsePath(text: string, where: string): (string | number)[] {
  if (!PATH_RE.test(text)) throw new Error(`${where}: '${text}' is not a field path (expected e.g. sentence, choices.text or choices[0])`);
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

function parseArg(text: string, where: string): Arg {
  if (/^-?\d+$/.test(text)) return { kind: 'int', value: Number(text) };
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return { kind: 'str', value: text.slice(1, -1) };
  return { kind: 'path', path: parsePath(text, where) };
}

/** Splits "a:'x:y':b" at colons outside single quotes. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (ch === ':' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseExpr(expr: string, where: string): Part {
  const pieces: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of expr) {
    if (ch === "'") quoted = !quoted;
    if (ch === '|' && !quoted) {
      pieces.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  pieces.push(cur.trim());
  const [head, ...rest] = pieces;
  const calls = rest.map((c) => {
    const [name, ...args] = splitArgs(c);
    const spec = TRANSFORMS[name!];
    if (!spec) throw new Error(`${where}: unknown function '${name}' (known: ${Object.keys(TRANSFORMS).join(', ')})`);
    if (args.length !== spec[0]) throw new Error(`${where}: '${name}' takes ${spec[0]} argument(s), got ${args.length}`);
    return { name: name!, args: args.map((a) => parseArg(a, where)) };
  });
  return { path: parsePath(head!, where), calls };
}

function resolve(doc: Record<string, unknown>, path: (string | number)[], item: unknown): unknown {
  let v: unknown = path[0] === 'item' && item !== undefined ? item : doc[path[0] as string];
  if (v === undefined && !(path[0] === 'item' && item !== undefined)) throw new Error(`the document has no field '${path[0]}'`);
  for (const k of path.slice(1)) {
    if (v === null || typeof v !== 'object') throw new Error(`cannot read '${k}' of a ${v === null ? 'null' : typeof v}`);
    v = (v as Record<string | number, unknown>)[k];
    if (v === undefined) throw new Error(`the document has no field '${path.join('.')}'`);
  }
  return v;
}

export function compileTemplate(spec: TemplateSpec, where: string): CompiledTemplate {
  const source = typeof spec === 'string' ? spec : spec.template;
  const post = typeof spec === 'string' ? [] : (spec.post ?? []);
  if (typeof source !== 'string') throw new Error(`${where}: a template is a string or { "template": string, "post"?: [names] }`);
  for (const p of post) {
    const t = TRANSFORMS[p];
    if (!t || t[0] !== 0) throw new Error(`${where}: post function '${p}' must be one of the one-argument functions (${Object.entries(TRANSFORMS).filter(([, [n]]) => n === 0).map(([k]) => k).join(', ')})`);
  }
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push(source.slice(i));
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`${where}: '{{' at offset ${open} has no closing '}}'`);
    if (open > i) parts.push(source.slice(i, open));
    parts.push(parseExpr(source.slice(open + 2, close), where));
    i = close + 2;
  }
  const fields = new Set<string>();
  for (const p of parts) {
    if (typeof p === 'string') continue;
    if (p.path[0] !== 'item') fields.add(String(p.path[0]));
    for (const c of p.calls) for (const a of c.args) if (a.kind === 'path' && a.path[0] !== 'item') fields.add(String(a.path[0]));
  }
  return {
    source: spec,
    fields: [...fields],
    render(doc, lookups = {}, item) {
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') {
          out += p;
          continue;
        }
        let v = resolve(doc, p.path, item);
        for (const c of p.calls) {
          const args = c.args.map((a) => (a.kind === 'path' ? resolve(doc, a.path, item) : a.value));
          v = TRANSFORMS[c.name]![1](v, args, lookups);
        }
        out += pyStr(v);
      }
      for (const p of post) out = TRANSFORMS[p]![1](out, [], lookups) as string;
      return out;
    },
  };
}
