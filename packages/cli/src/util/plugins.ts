import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { DeconattnError } from '@deconattn/core';

/**
 * Loads mixer plugins named on the command line (`--plugin`): an npm package name (resolved
 * from the current directory first, then from the CLI's own install), or a path to a package
 * directory or a module file. Importing a plugin registers its mixers. The user named them, so
 * they are trusted as they are; what a checkpoint names goes through ./recorded-packages.ts.
 */
export async function loadPlugins(specs: string[] = []): Promise<void> {
  for (const spec of specs) {
    const target = resolvePlugin(spec);
    try {
      await import(target);
    } catch (e) {
      throw new DeconattnError(`Could not load plugin '${spec}' (${target}): ${(e as Error).message}`);
    }
  }
}

/** Where package names are looked up: the current project, then the CLI's own install. */
export const PACKAGE_BASES = (): string[] => [path.join(process.cwd(), 'package.json'), import.meta.url];

/** The ESM entry file of the package in `dir` (shared by --plugin and recorded packages). */
export function packageEntry(dir: string, pkg: Record<string, any>, spec: string): string {
  const exp = typeof pkg.exports === 'object' && pkg.exports !== null ? pkg.exports['.'] : undefined;
  const entry = exp?.import?.default ?? exp?.import ?? exp?.default ?? (typeof pkg.exports === 'string' ? pkg.exports : undefined) ?? pkg.module ?? pkg.main ?? 'index.js';
  const file = path.join(dir, typeof entry === 'string' ? entry : 'index.js');
  if (!fs.existsSync(file)) throw new DeconattnError(`Plugin '${spec}' has its entry at ${file}, which does not exist: build the plugin first.`);
  return file;
}

function resolvePlugin(spec: string): string {
  const asPath = path.resolve(spec);
  const looksLikePath = spec.startsWith('.') || path.isAbsolute(spec);
  if (looksLikePath && !fs.existsSync(asPath)) throw new DeconattnError(`Plugin path '${spec}' does not exist.`);
  if (fs.existsSync(asPath)) {
    if (!fs.statSync(asPath).isDirectory()) return pathToFileURL(asPath).href;
    const pkgFile = path.join(asPath, 'package.json');
    if (!fs.existsSync(pkgFile)) throw new DeconattnError(`Plugin directory '${spec}' has no package.json.`);
    return pathToFileURL(packageEntry(asPath, JSON.parse(fs.readFileSync(pkgFile, 'utf8')), spec)).href;
  }
  // A package name: find its directory and take the ESM entry through the branch above, so the
  // plugin shares the CLI's ESM copies of @deconattn/core and tfjs-core.
  for (const base of PACKAGE_BASES()) {
    let pkgJson: string;
    try {
      pkgJson = createRequire(base).resolve(`${spec}/package.json`);
    } catch {
      try {
        return pathToFileURL(createRequire(base).resolve(spec)).href; // exports without ./package.json
      } catch {
        continue;
      }
    }
    return resolvePlugin(path.dirname(pkgJson));
  }
  throw new DeconattnError(`Plugin package '${spec}' is not installed. Install it (npm install ${spec}) or pass a path to it.`);
}
