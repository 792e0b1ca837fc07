/**
 * Structural conversions from the original release formats to the documents lm-eval sees (the
 * Hugging Face `datasets` rows), where they are more than a per-field mapping.
 */
import { DataFileError } from '../errors.js';
import { pyCompare, pySplitWs, pyStrip } from '../pytext.js';
import type { RawRecord } from './readers.js';

export interface SourcedRecord {
  value: Record<string, unknown>;
  line: number;
}

type Process = (records: RawRecord[], file: string) => SourcedRecord[];

function field<T>(rec: Record<string, unknown>, key: string, type: string, file: string, line: number, what: string, check: (v: unknown) => boolean): T {
  const v = rec[key];
  if (!check(v)) throw new DataFileError(file, line, `${what}: field '${key}' is ${v === undefined ? 'missing' : JSON.stringify(v)}`, `'${key}' to be ${type}`);
  return v as T;
}
const isStr = (v: unknown) => typeof v === 'string';
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** SuperGLUE MultiRC: one document per answer, in file order (passage → question → answer). */
function multircFlatten(records: RawRecord[], file: string): SourcedRecord[] {
  const out: SourcedRecord[] = [];
  for (const { value, line } of records) {
    const row = value as Record<string, unknown>;
    const passage = field<Record<string, unknown>>(row, 'passage', 'an object {text, questions}', file, line, 'MultiRC passage', isObj);
    const text = field<string>(passage, 'text', 'a string', file, line, 'passage', isStr);
    const questions = field<unknown[]>(passage, 'questions', 'a list', file, line, 'passage', Array.isArray);
    for (const q of questions) {
      if (!isObj(q)) throw new DataFileError(file, line, 'a question is not an object', 'passage.questions[] = {question, answers, idx}');
      const qq = q as Record<string, unknown>;
      const question = field<string>(qq, 'question', 'a string', file, line, 'question', isStr);
      const answers = field<unknown[]>(qq, 'answers', 'a list', file, line, 'question', Array.isArray);
      for (const a of answers) {
        if (!isObj(a)) throw new DataFileError(file, line, 'an answer is not an object', 'answers[] = {text, label, idx}');
        const aa = a as Record<string, unknown>;
        out.push({
          value: {
            paragraph: text,
            question,
            answer: field<string>(aa, 'text', 'a string', file, line, 'answer', isStr),
            label: aa.label,
            idx: { paragraph: row.idx, question: qq.idx, answer: aa.idx },
            // Identifies the question among all answers, for MultiRC's exact match.
            qid: `${String(row.idx)}/${String(qq.idx)}`,
          },
          line,
        });
      }
    }
  }
  return out;
}

const WSC_UNFIXABLE = new Set(['Kamenev and Zinoviev', 'Kamenev, Zinoviev, and Stalin']);

/**
 * SuperGLUE WSC → Hugging Face's `wsc.fixed`: the `target` fields are flattened, and a span text
 * that does not occur in the passage verbatim gets the case of its first letter from the passage
 * word at its index, loses trailing "." and has newlines turned into spaces.
 */
function wscFixed(records: RawRecord[], file: string): SourcedRecord[] {
  return records.map(({ value, line }) => {
    const row = value as Record<string, unknown>;
    const target = field<Record<string, unknown>>(row, 'target', 'an object {span1_index, span1_text, span2_index, span2_text}', file, line, 'WSC', isObj);
    const ex: Record<string, unknown> = { text: field<string>(row, 'text', 'a string', file, line, 'WSC', isStr), idx: row.idx, label: row.label };
    for (const k of ['span1_index', 'span2_index']) ex[k] = field<number>(target, k, 'an integer', file, line, 'WSC target', isInt);
    for (const k of ['span1_text', 'span2_text']) ex[k] = field<string>(target, k, 'a string', file, line, 'WSC target', isStr);
    for (const k of ['span1', 'span2']) {
      let t = ex[`${k}_text`] as string;
      const text = ex.text as string;
      if (text.includes(t) || WSC_UNFIXABLE.has(t)) continue;
      // HF's fix tries to repair "theyscold" but only its index change takes effect.
      if (t.includes('theyscold')) ex.span2_index = 10;
      const word = pySplitWs(text)[ex[`${k}_index`] as number];
      if (word === undefined) throw new DataFileError(file, line, `${k}_index ${ex[`${k}_index`]} is past the passage's words`, 'a word index into the passage');
      const first = Array.from(word)[0]!;
      const lower = first.toLowerCase() === first && first.toUpperCase() !== first;
      const cps = Array.from(t);
      t = (lower ? cps[0]!.toLowerCase() : cps[0]!.toUpperCase()) + cps.slice(1).join('');
      t = t.replace(/\.+$/, '').split('\n').join(' ');
      ex[`${k}_text`] = t;
    }
    return { value: ex, line };
  });
}

/**
 * WikiText raw → documents the way EleutherAI/wikitext_document_level does: split the file at
 * "\n"; a line whose stripped form (after "= = =" → "===", "= =" → "==") starts with "= " and ends
 * with " =" starts a new page; pages are the lines joined with "\n"; whitespace-only pages are dropped
 * (the last page is always kept).
 */
function wikitextDocuments(records: RawRecord[]): SourcedRecord[] {
  const text = records[0]!.value as string;
  const lines = text.split('\n');
  const out: SourcedRecord[] = [];
  let ret: string[] = [];
  let startLine = 1;
  lines.forEach((line, i) => {
    const r = pyStrip(line.split('= = =').join('===').split('= =').join('=='));
    if (r.startsWith('= ') && pyStrip(r).endsWith(' =')) {
      const page = ret.join('\n');
      if (pyStrip(page) !== '') out.push({ value: { page }, line: startLine });
      ret = [];
      startLine = i + 1;
    }
    ret.push(line);
  });
  out.push({ value: { page: ret.join('\n') }, line: startLine });
  return out;
}

const uniqSorted = (xs: string[]) => [...new Set(xs)].sort(pyCompare);

/**
 * ReCoRD → one document per query with the entities and answers lm-eval's process_docs makes
 * (deduplicated and sorted). Accepts the SuperGLUE release (passage {text, entities[{start,end}]},
 * qas[{query, answers[{text}]}]) and Hugging Face rows (passage string, query, entities, answers).
 */
function recordDocs(records: RawRecord[], file: string): SourcedRecord[] {
  const out: SourcedRecord[] = [];
  for (const { value, line } of records) {
    const row = value as Record<string, unknown>;
    if (typeof row.passage === 'string') {
      const ents = field<string[]>(row, 'entities', 'a list of strings', file, line, 'ReCoRD', Array.isArray);
      const answers = field<string[]>(row, 'answers', 'a list of strings', file, line, 'ReCoRD', Array.isArray);
      out.push({ value: { passage: row.passage, query: field<string>(row, 'query', 'a string', file, line, 'ReCoRD', isStr), entities: uniqSorted(ents), answers: uniqSorted(answers) }, line });
      continue;
    }
    const passage = field<Record<string, unknown>>(row, 'passage', 'an object {text, entities} or a string', file, line, 'ReCoRD', isObj);
    const text = field<string>(passage, 'text', 'a string', file, line, 'ReCoRD passage', isStr);
    const spans = field<Record<string, number>[]>(passage, 'entities', 'a list of {start, end}', file, line, 'ReCoRD passage', Array.isArray);
    // Entity spans are inclusive character offsets (end + 1 exclusive), in code points.
    const cps = Array.from(text);
    const entities = uniqSorted(spans.map((s) => cps.slice(s.start, s.end! + 1).join('')));
    const qas = field<Record<string, unknown>[]>(row, 'qas', 'a list of {query, answers}', file, line, 'ReCoRD', Array.isArray);
    for (const qa of qas) {
      const query = field<string>(qa, 'query', 'a string', file, line, 'ReCoRD qas', isStr);
      const answers = ((qa.answers as { text: string }[] | undefined) ?? []).map((a) => a.text);
      out.push({ value: { passage: text, query, entities, answers: uniqSorted(answers) }, line });
    }
  }
  return out;
}

export const PROCESSES: Record<string, Process> = { multircFlatten, wscFixed, wikitextDocuments, recordDocs };
