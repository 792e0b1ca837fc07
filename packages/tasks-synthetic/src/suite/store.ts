import * as fs from 'node:fs';
import { writeFileAtomic } from '@deconattn/hybrid/node';

/** Writes JSON through hybrid's atomic write (a temporary file renamed into place): a killed run never leaves a torn file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value) + '\n');
}

/** The parsed file, or undefined when it is missing or torn (then the work is redone). */
export function readJson<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
