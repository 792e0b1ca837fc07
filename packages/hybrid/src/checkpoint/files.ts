import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeconattnError, parseJsonSafely } from '@deconattn/core';

/**
 * Reading the files of a checkpoint directory, which may come from anyone (a download, a shared
 * drive): every file is checked before it is read. Its name is a plain file name (no separator,
 * no `..`); it is a regular file (not a FIFO or a device that would never end); a symbolic link
 * may point only inside the checkpoint directory; its size is within a limit; and JSON is parsed
 * with bounded nesting. docs/security.md lists these checks.
 */

/** Size limits for the files of a checkpoint (bytes). Weights are bounded by their header instead. */
export const CHECKPOINT_LIMITS = {
  /** config.json: Qwen2 fields, the plan, mixer options (fixed-seq-qk keeps Lmax token ids). */
  configBytes: 16 * 2 ** 20,
  /** DONE: a few lines per file. */
  manifestBytes: 2 ** 20,
  /** trainer_state.json: options and the loss history of a run. */
  trainerStateBytes: 64 * 2 ** 20,
  /** JSON nesting of config.json, DONE and trainer_state.json (they nest about 5 levels). */
  jsonDepth: 32,
} as const;

/** A file name that stays in its directory: no separators, not `.` or `..`, no NUL. */
export function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** `child` is `parent` or lies under it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Real path of a directory (symbolic links resolved), or the resolved path when it does not exist. */
export function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * The checkpoint file `name` of `dir` after the checks above, or undefined when it does not exist.
 * Errors name the file and say what is wrong.
 */
export function checkpointFile(dir: string, name: string, maxBytes?: number): { file: string; bytes: number } | undefined {
  if (!isPlainFileName(name)) throw new DeconattnError(`Corrupt checkpoint: ${dir} names a file ${JSON.stringify(name)}, which is not a plain file name in that directory.`);
  const file = path.join(dir, name);
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = fs.realpathSync(file);
    } catch {
      throw new DeconattnError(`Corrupt checkpoint: ${file} is a symbolic link to a file that does not exist.`);
    }
    const home = realDir(dir);
    if (!isInside(home, target)) {
      throw new DeconattnError(`Unsafe checkpoint: ${file} is a symbolic link to ${target}, outside the checkpoint directory ${home}; a checkpoint's files must lie inside it.`);
    }
  }
  const st = fs.statSync(file);
  if (!st.isFile()) throw new DeconattnError(`Corrupt checkpoint: ${file} is not a regular file (a directory, device or pipe); expected the file the checkpoint format describes.`);
  if (maxBytes !== undefined && st.size > maxBytes) {
    throw new DeconattnError(`Corrupt checkpoint: ${file} is ${st.size} bytes, more than the ${maxBytes} bytes allowed for it; it cannot be a deconattn ${name}.`);
  }
  return { file, bytes: st.size };
}

/** The bytes of a checked checkpoint file (undefined when absent); read errors become one line. */
export function readCheckpointBytes(dir: string, name: string, maxBytes?: number): Buffer | undefined {
  const f = checkpointFile(dir, name, maxBytes);
  if (!f) return undefined;
  try {
    return fs.readFileSync(f.file);
  } catch (e) {
    throw new DeconattnError(`Cannot read checkpoint file ${f.file}: ${(e as Error).message}.`);
  }
}

/** Parses checkpoint JSON with bounded nesting; `file` is named in the error. */
export function parseCheckpointJson(buf: Buffer, file: string): Record<string, any> {
  const r = parseJsonSafely(buf.toString('utf8'), { maxDepth: CHECKPOINT_LIMITS.jsonDepth });
  if (!r.ok) throw new DeconattnError(`Corrupt checkpoint: ${file} ${r.problem}.`);
  if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value)) {
    throw new DeconattnError(`Corrupt checkpoint: ${file} holds ${Array.isArray(r.value) ? 'an array' : JSON.stringify(r.value)}, not a JSON object.`);
  }
  return r.value as Record<string, any>;
}

export { isBarePackageName } from './model-state.js';
