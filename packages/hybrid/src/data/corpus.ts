import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DeconattnError } from '@deconattn/core';
import { hybridDataFile } from './dataDir.js';
import { firstInvalidUtf8Offset } from './utf8.js';

/** A training corpus: its text and where it came from (recorded with a trained model). */
export interface Corpus {
  name: string;
  text: string;
  sources: { path: string; bytes: number; sha256: string }[];
}

/** Path of tiny-shakespeare inside the package's data/ folder. */
export const BUNDLED_CORPUS_FILE = 'tinyshakespeare/input.txt';
export const BUNDLED_CORPUS_NAME = 'tinyshakespeare';

/** Separator put between the files of a multi-file corpus: a paragraph break. */
export const CORPUS_FILE_SEPARATOR = '\n\n';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads one corpus file as UTF-8 text, with an error that names the file for each way it can be
 * unusable. A leading byte-order mark is an encoding marker, not text, and is dropped (the
 * Project Gutenberg files have one). Line endings are kept as they are.
 */
function readTextFile(path: string): { text: string; source: Corpus['sources'][number] } {
  const abs = resolve(path);
  let isDir: boolean;
  let isFile: boolean;
  try {
    const st = statSync(abs);
    isDir = st.isDirectory();
    isFile = st.isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DeconattnError(`Corpus file not found: ${path} (resolved to ${abs}). Pass existing UTF-8 text files.`);
    throw new DeconattnError(`Cannot read corpus file ${path}: ${(e as Error).message}.`);
  }
  if (isDir) throw new DeconattnError(`Corpus path ${path} is a directory; pass the text files in it (e.g. ${path}/a.txt and ${path}/b.txt).`);
  // A FIFO or a device (/dev/zero) would be read forever.
  if (!isFile) throw new DeconattnError(`Corpus path ${path} is not a regular file (a device or pipe); pass UTF-8 text files.`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    throw new DeconattnError(`Cannot read corpus file ${path}: ${(e as Error).message}.`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8Offset(bytes);
    throw new DeconattnError(
      `Corpus file ${path} is not valid UTF-8 (first bad byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at byte offset ${at}). Convert it to UTF-8 text first, e.g. iconv -f latin1 -t utf-8.`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim().length === 0) {
    throw new DeconattnError(`Corpus file ${path} is empty (${bytes.length} bytes${bytes.length > 0 ? ', whitespace only' : ''}); a corpus file must contain text.`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { text, source: { path: abs, bytes: bytes.length, sha256 } };
}

/**
 * The user's own corpus: one or more UTF-8 text files, joined in the given order with a blank
 * line ("\n\n") between them. `sources` records each file's size and SHA-256 (of its bytes on
 * disk) so a trained model says what it was trained on.
 */
export function loadCorpusFiles(paths: string[]): Corpus {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new DeconattnError('loadCorpusFiles needs at least one file path (UTF-8 text); got none.');
  }
  const parts = paths.map((p) => {
    if (typeof p !== 'string' || p.length === 0) throw new DeconattnError(`Corpus file paths must be non-empty strings; got ${JSON.stringify(p)}.`);
    return readTextFile(p);
  });
  return {
    name: paths.map((p) => basename(p)).join('+'),
    text: parts.map((p) => p.text).join(CORPUS_FILE_SEPARATOR),
    sources: parts.map((p) => p.source),
  };
}

let bundled: Corpus | undefined;

/**
 * The default corpus: tiny-shakespeare (1,115,394 bytes, public domain), vendored in the
 * package's data/ folder. Read once per process; each call returns a fresh object.
 */
export function bundledCorpus(): Corpus {
  if (bundled === undefined) {
    const c = loadCorpusFiles([hybridDataFile(BUNDLED_CORPUS_FILE)]);
    bundled = { ...c, name: BUNDLED_CORPUS_NAME };
  }
  return { name: bundled.name, text: bundled.text, sources: bundled.sources.map((s) => ({ ...s })) };
}
