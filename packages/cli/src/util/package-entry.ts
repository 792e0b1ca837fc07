import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeconattnError } from '@deconattn/core';

/** Where package names are looked up: the current project, then the CLI's own install. */
export const PACKAGE_BASES = (): string[] => [path.join(process.cwd(), 'package.json'), import.meta.url];

/** The ESM entry file of the package in `dir` (shared by --plugin, installed and recorded packages). */
export function packageEntry(dir: string, pkg: Record<string, any>, spec: string): string {
  const exp = typeof pkg.exports === 'object' && pkg.exports !== null ? pkg.exports['.'] : undefined;
  const entry = exp?.import?.default ?? exp?.import ?? exp?.default ?? (typeof pkg.exports === 'string' ? pkg.exports : undefined) ?? pkg.module ?? pkg.main ?? 'index.js';
  const file = path.join(dir, typeof entry === 'string' ? entry : 'index.js');
  if (!fs.existsSync(file)) throw new DeconattnError(`Plugin '${spec}' has its entry at ${file}, which does not exist: build the plugin first.`);
  return file;
}
