import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeconattnError } from '@deconattn/core';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A UTF-8 text file: a directory, pipe, device or binary file is refused (a pipe would never end). */
export function readText(file: string): string {
  if (!fs.existsSync(file)) throw new DeconattnError(`Text file '${file}' does not exist.`);
  const st = fs.statSync(file);
  if (st.isDirectory()) throw new DeconattnError(`'${file}' is a directory; give a UTF-8 text file.`);
  if (!st.isFile()) throw new DeconattnError(`'${file}' is not a regular file (a pipe or device); give a UTF-8 text file.`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new DeconattnError(`Cannot read text file '${file}': ${(e as Error).message}.`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DeconattnError(`Text file '${file}' is not valid UTF-8 (a binary file?); give a UTF-8 text file.`);
  }
}

/**
 * An output file named on the command line, checked before any work (not after an evaluation
 * that took minutes): it must not be a directory, and its parent must be one or creatable.
 */
export function checkOutputFile(file: string | undefined, flag: string): void {
  if (file === undefined) return;
  if (fs.existsSync(file) && !fs.statSync(file).isFile()) throw new DeconattnError(`${flag} '${file}' is a directory (or not a regular file); give the path of a file to write.`);
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) throw new DeconattnError(`${flag} '${file}' cannot be written: ${dir} is a file, not a directory.`);
      break;
    }
    if (dir === path.dirname(dir)) break;
  }
}

/** An output directory named on the command line: absent (created later) or a directory. */
export function checkOutputDir(dir: string, flag: string): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new DeconattnError(`${flag} '${dir}' is a file; give a directory (it is created if absent).`);
  checkOutputFile(path.join(dir, 'x'), flag);
}
