/** Turns a task's DataSpec into documents: read the files, run the structural process, map fields. */
import { DeconattnError } from '@deconattn/core';
import { DataFileError } from '../errors.js';
import { resolveLoader, type EvalDataLoader } from '../loader.js';
import type { DataSpec, FieldSpec } from '../spec.js';
import { PROCESSES, type SourcedRecord } from './processes.js';
import { readJsonArray, readJsonl, readText, readTsv, type RawRecord } from './readers.js';

export interface Doc {
  fields: Record<string, unknown>;
  /** The file the document comes from (relative to its data directory) and its 1-based line. */
  file: string;
  line: number;
}

/** Where a spec's files are (named as the loader names them); a missing dataDir file is an error that says where to get it. */
export function dataPaths(spec: DataSpec, task: string, dataDir?: string, loader?: EvalDataLoader): { rel: string; abs: string }[] {
  const l = resolveLoader(loader);
  if (spec.location === 'vendored') return spec.files.map((rel) => ({ rel, abs: l.locate('vendored', rel) }));
  if (!dataDir) {
    throw new DeconattnError(
      `Task '${task}' needs data that is not shipped with deconattn (${spec.files.join(', ')}). Pass --data-dir DIR (dataDir) with ${spec.files.map((f) => `DIR/${f}`).join(' and ')}: ${spec.format}.${spec.obtain ? ` Get it from ${spec.obtain}.` : ''}`,
    );
  }
  return spec.files.map((rel) => {
    const abs = l.locate('dataDir', rel, dataDir);
    if (!l.exists(abs)) {
      throw new DataFileError(abs, undefined, `file not found (task '${task}' reads it from --data-dir)`, `${spec.format}${spec.obtain ? `; get it from ${spec.obtain}` : ''}`);
    }
    return { rel, abs };
  });
}

/** True when every file of the spec is present (vendored, or in dataDir). */
export function dataAvailable(spec: DataSpec, dataDir?: string, loader?: EvalDataLoader): boolean {
  if (spec.location === 'vendored') return true;
  if (!dataDir) return false;
  const l = resolveLoader(loader);
  return spec.files.every((f) => l.exists(l.locate('dataDir', f, dataDir)));
}

function readRaw(spec: DataSpec, abs: string, loader: EvalDataLoader): RawRecord[] {
  const text = loader.readText(abs, spec.format);
  switch (spec.reader) {
    case 'jsonl':
      return readJsonl(text, abs, spec.format);
    case 'tsv':
      return readTsv(text, abs, { header: spec.header ?? true, columns: spec.columns ?? [] }, spec.format);
    case 'json':
      return readJsonArray(text, abs, spec.format);
    case 'text':
      return readText(text);
  }
}

function convert(name: string, fs: FieldSpec, raw: unknown, file: string, line: number, format: string): unknown {
  const fail = (what: string): never => {
    throw new DataFileError(file, line, `field '${fs.from ?? name}' ${raw === undefined ? 'is missing' : `is ${JSON.stringify(raw)}`}`, `${what}; ${format}`);
  };
  if (raw === undefined) fail(`a value for '${fs.from ?? name}'`);
  if (fs.map) {
    const key = typeof raw === 'string' ? raw : JSON.stringify(raw);
    if (!(key in fs.map)) fail(`one of ${Object.keys(fs.map).map((k) => JSON.stringify(k)).join(', ')}`);
    return fs.map[key];
  }
  switch (fs.type ?? 'string') {
    case 'string':
      return typeof raw === 'string' ? raw : fail('a string');
    case 'int':
      if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
      if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
      return fail('an integer');
    case 'float': {
      const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(v) ? v : fail('a number');
    }
    case 'boolInt':
      if (raw === true || raw === 1 || raw === 'true' || raw === 'True' || raw === '1') return 1;
      if (raw === false || raw === 0 || raw === 'false' || raw === 'False' || raw === '0') return 0;
      return fail('true/false (or 1/0)');
    case 'list':
      return Array.isArray(raw) ? raw : fail('a list');
    case 'any':
      return raw;
  }
}

/** Loads every document of a data spec, in file order (no limit: lm-eval's "original" count needs them all). */
export function loadDocs(spec: DataSpec, task: string, dataDir?: string, loader?: EvalDataLoader): Doc[] {
  const l = resolveLoader(loader);
  const docs: Doc[] = [];
  for (const { rel, abs } of dataPaths(spec, task, dataDir, l)) {
    const raw = readRaw(spec, abs, l);
    let records: SourcedRecord[];
    if (spec.process) {
      const p = PROCESSES[spec.process];
      if (!p) throw new DeconattnError(`Task '${task}': unknown data process '${spec.process}' (known: ${Object.keys(PROCESSES).join(', ')}).`);
      records = p(raw, abs);
    } else {
      records = raw.map((r) => ({ value: r.value as Record<string, unknown>, line: r.line }));
    }
    for (const { value, line } of records) {
      let fields: Record<string, unknown> = value;
      if (spec.fields) {
        fields = {};
        for (const [name, f] of Object.entries(spec.fields)) {
          const fs: FieldSpec = typeof f === 'string' ? { from: f } : f;
          fields[name] = convert(name, fs, value[fs.from ?? name], abs, line, spec.format);
        }
      }
      docs.push({ fields, file: spec.location === 'vendored' ? rel : abs, line });
    }
  }
  return docs;
}
