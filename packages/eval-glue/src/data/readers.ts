/**
 * Readers for the raw file formats of the datasets (JSON lines, GLUE-style TSV, JSON array, plain
 * text), from a file's text (a loader reads the file) and its name for messages. They keep the 1-based line number of every record so errors and samples can point into
 * the file.
 */
import { parseJsonSafely } from '@deconattn/core';
import { DataFileError } from '../errors.js';

/**
 * Bounds for data files, which come from outside (an official release unpacked under --data-dir):
 * the largest official file read is tens of megabytes, a document line a few kilobytes, and the
 * deepest record (MultiRC) nests 5 levels.
 */
export const DATA_FILE_LIMITS = { maxBytes: 256 * 2 ** 20, maxLineChars: 16 * 2 ** 20, maxDepth: 32 } as const;

export interface RawRecord {
  value: unknown;
  /** 1-based line number in the file. */
  line: number;
}

/** The text without a UTF-8 byte-order mark (the GLUE MRPC files have one; it is not part of the first field). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Lines without their terminators; "\r\n" counts as one terminator (Python's universal newlines). */
export function splitLines(text: string, path?: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (path !== undefined) {
    const long = lines.findIndex((l) => l.length > DATA_FILE_LIMITS.maxLineChars);
    if (long >= 0) throw new DataFileError(path, long + 1, `a line of ${lines[long]!.length} characters`, `lines of at most ${DATA_FILE_LIMITS.maxLineChars} characters`);
  }
  return lines;
}

export function readJsonl(text: string, path: string, expected: string): RawRecord[] {
  const lines = splitLines(stripBom(text), path);
  const out: RawRecord[] = [];
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    const r = parseJsonSafely(l, { maxDepth: DATA_FILE_LIMITS.maxDepth });
    if (!r.ok) throw new DataFileError(path, i + 1, r.problem.replace(/^is not valid JSON/, 'invalid JSON'), `one JSON object per line: ${expected}`);
    const value = r.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataFileError(path, i + 1, `a JSON ${Array.isArray(value) ? 'array' : typeof value} instead of an object`, `one JSON object per line: ${expected}`);
    }
    out.push({ value, line: i + 1 });
  });
  return out;
}

export interface TsvOptions {
  /** The first line names the columns; `columns` are then the ones that must be present. */
  header: boolean;
  /** Column names (header: the required subset; no header: all columns, in order). */
  columns: string[];
}

/** Tab-separated values with no quoting (how the GLUE loaders read them: csv.QUOTE_NONE). */
export function readTsv(text: string, path: string, opts: TsvOptions, expected: string): RawRecord[] {
  const lines = splitLines(stripBom(text), path);
  let names = opts.columns;
  let start = 0;
  if (opts.header) {
    if (lines.length === 0) throw new DataFileError(path, 1, 'the file is empty', `a header line with the columns ${opts.columns.join(', ')}; ${expected}`);
    names = lines[0]!.split('\t');
    const missing = opts.columns.filter((c) => !names.includes(c));
    if (missing.length) {
      throw new DataFileError(path, 1, `the header lacks column(s) ${missing.join(', ')} (it has ${names.join(', ')})`, `a tab-separated header with ${opts.columns.join(', ')}; ${expected}`);
    }
    start = 1;
  }
  const out: RawRecord[] = [];
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const cells = l.split('\t');
    if (cells.length !== names.length) {
      throw new DataFileError(path, i + 1, `${cells.length} tab-separated field(s)`, `${names.length} fields (${names.join(', ')}); ${expected}`);
    }
    const row: Record<string, string> = {};
    names.forEach((n, k) => (row[n] = cells[k]!));
    out.push({ value: row, line: i + 1 });
  }
  return out;
}

/** A JSON array of objects (e.g. the official SciQ release); line numbers are those of each object's "{". */
export function readJsonArray(raw: string, path: string, expected: string): RawRecord[] {
  const text = stripBom(raw);
  const r = parseJsonSafely(text, { maxDepth: DATA_FILE_LIMITS.maxDepth });
  if (!r.ok) throw new DataFileError(path, undefined, r.problem.replace(/^is not valid JSON/, 'invalid JSON'), expected);
  const value = r.value;
  if (!Array.isArray(value)) throw new DataFileError(path, 1, `a JSON ${typeof value} at the top level`, `a JSON array of objects: ${expected}`);
  // Approximate line numbers: the k-th top-level "{" (good enough to find a bad record).
  const starts: number[] = [];
  let line = 1;
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{' || c === '[') {
      if (depth === 1 && c === '{') starts.push(line);
      depth++;
    } else if (c === '}' || c === ']') depth--;
  }
  return value.map((v, k) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DataFileError(path, starts[k], `element ${k} is not an object`, `a JSON array of objects: ${expected}`);
    return { value: v, line: starts[k] ?? 1 };
  });
}

/** The whole file as one record (line 1). */
export function readText(text: string): RawRecord[] {
  return [{ value: stripBom(text), line: 1 }];
}
