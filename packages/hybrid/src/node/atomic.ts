import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file so that readers see the old contents or the new, never a torn file: the text goes
 * to a temporary file beside it, renamed into place (a rename within a directory is atomic).
 * The one helper for every resumable output (run.json, study results, metrics rewrites).
 */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** `writeFileAtomic` of a value as indented JSON with a final newline. */
export function writeJsonAtomic(file: string, value: unknown, indent = 2): void {
  writeFileAtomic(file, JSON.stringify(value, null, indent) + '\n');
}
