/** The file-system loader: the package's tasks/ and data/, the user's dataDir, answer-cache files. */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DataFileError } from '../errors.js';
import { DATA_FILE_LIMITS } from '../data/readers.js';
import type { EvalDataLoader } from '../loader.js';
import { tasksDir, vendoredDataDir } from './paths.js';

/** A data file's text, refusing what is not a regular file or is larger than a data file may be. */
export function readDataFile(path: string, expected: string): string {
  if (!existsSync(path)) throw new DataFileError(path, undefined, 'file not found', expected);
  const st = statSync(path);
  // A FIFO or a device (/dev/zero) would never end; a huge file would exhaust memory first.
  if (!st.isFile()) throw new DataFileError(path, undefined, 'not a regular file', expected);
  if (st.size > DATA_FILE_LIMITS.maxBytes) throw new DataFileError(path, undefined, `${st.size} bytes, more than the ${DATA_FILE_LIMITS.maxBytes} a data file may have`, expected);
  return readFileSync(path, 'utf8');
}

/** Reads from `tasksDir` / `vendoredDataDir` (default: the package's own tasks/ and data/) and the caller's dataDir. */
export function nodeDataLoader(dirs: { tasksDir?: string; vendoredDataDir?: string } = {}): EvalDataLoader {
  const tasks = () => dirs.tasksDir ?? tasksDir();
  return {
    listTasks: () =>
      readdirSync(tasks())
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5)),
    readTask: (name) => readFileSync(join(tasks(), `${name}.json`), 'utf8'),
    locate: (location, file, dataDir) => {
      if (location === 'vendored') return join(dirs.vendoredDataDir ?? vendoredDataDir(), file);
      const base = dataDir === undefined ? '' : isAbsolute(dataDir) ? dataDir : resolve(dataDir);
      return join(base, file);
    },
    exists: (located) => existsSync(located),
    readText: readDataFile,
    openAnswers: (cacheDir, checksum) => {
      mkdirSync(cacheDir, { recursive: true });
      const safe = checksum.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'model';
      const file = join(cacheDir, `answers-${safe}.jsonl`);
      return { read: () => (existsSync(file) ? readFileSync(file, 'utf8') : undefined), append: (text) => appendFileSync(file, text) };
    },
  };
}
