/**
 * Where task definitions, data files and cached answers come from. The main entry reads nothing
 * itself (it runs in browsers): a loader does. `@deconattn/eval-glue/node` installs the file-system
 * loader (the package's tasks/ and data/, the user's dataDir, cache files) when it is imported; a
 * browser page passes a loader of its own, e.g. `memoryDataLoader` over files it fetched. Every
 * function that reads takes an optional `loader`; without one, the installed default is used.
 */
import { DeconattnError } from '@deconattn/core';
import { DataFileError } from './errors.js';

/** Where a data file lives: the package's vendored data, or the user's `dataDir`. */
export type DataLocation = 'vendored' | 'dataDir';

/** An append-only store of answer-cache lines for one model (see cache.ts). */
export interface AnswerStore {
  /** Everything appended so far (JSON lines), or undefined when nothing was stored yet. */
  read(): string | undefined;
  append(text: string): void;
}

export interface EvalDataLoader {
  /** Names of the task definitions (tasks/<name>.json without ".json"). */
  listTasks(): string[];
  /** The JSON text of a task definition; `name` is one of `listTasks()`. */
  readTask(name: string): string;
  /** The name a data file goes by in documents and error messages (in Node its absolute path). */
  locate(location: DataLocation, file: string, dataDir?: string): string;
  /** Whether the file `locate` named is there. */
  exists(located: string): boolean;
  /** The file's text (a UTF-8 byte-order mark may be left in; readers drop it). A missing or unreadable file is a DataFileError naming `expected`. */
  readText(located: string, expected: string): string;
  /** Cached answers for the model `checksum` under the options' `cacheDir`; absent when this loader cannot store them. */
  openAnswers?(cacheDir: string, checksum: string): AnswerStore;
}

// On globalThis: the ESM and CommonJS builds (and duplicate installs) share one default.
const KEY = Symbol.for('@deconattn/eval-glue:default-loader');
const slot = globalThis as { [KEY]?: EvalDataLoader };

/** Installs the loader used when a call passes none (`@deconattn/eval-glue/node` installs the file-system one). */
export function setDefaultEvalDataLoader(loader: EvalDataLoader | undefined): void {
  slot[KEY] = loader;
}

/** `loader`, else the installed default; neither is an error that says how to get one. */
export function resolveLoader(loader?: EvalDataLoader): EvalDataLoader {
  const l = loader ?? slot[KEY];
  if (!l) {
    throw new DeconattnError(
      "No task data loader: in Node import '@deconattn/eval-glue/node' (it installs the file-system loader); elsewhere pass the `loader` option (e.g. memoryDataLoader({ tasks, files })).",
    );
  }
  return l;
}

export interface MemoryData {
  /** Task definitions by name: a TaskSpec object or its JSON text. */
  tasks: Record<string, unknown>;
  /** Data files by path: vendored files as `vendored/<file>`, dataDir files as `dataDir/<file>`. */
  files: Record<string, string>;
  /** Answer-cache lines kept in memory per `cacheDir/checksum` (shared across runs that pass the same object). */
  answers?: Record<string, string>;
}

/** A loader over data held in memory (a browser page that fetched the files, a test). */
export function memoryDataLoader(data: MemoryData): EvalDataLoader {
  return {
    listTasks: () => Object.keys(data.tasks),
    readTask: (name) => {
      const t = data.tasks[name];
      return typeof t === 'string' ? t : JSON.stringify(t);
    },
    locate: (location, file) => `${location}/${file}`,
    exists: (located) => located in data.files,
    readText: (located, expected) => {
      const text = data.files[located];
      if (text === undefined) throw new DataFileError(located, undefined, 'file not found', expected);
      return text;
    },
    openAnswers: (cacheDir, checksum) => {
      const answers = (data.answers ??= {});
      const key = `${cacheDir}/${checksum}`;
      return { read: () => answers[key], append: (text) => void (answers[key] = (answers[key] ?? '') + text) };
    },
  };
}
