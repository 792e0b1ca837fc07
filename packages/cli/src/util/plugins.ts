import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { DeconattnError } from '@deconattn/core';
import { PACKAGE_BASES, packageEntry } from './package-entry.js';
import { importRecordingSource } from './mixer-sources.js';
import { installedMixerPackages, installedNearMatches, registerInstalledMixers } from './installed-mixers.js';

export { PACKAGE_BASES, packageEntry } from './package-entry.js';

/**
 * Loads mixer plugins named on the command line (`--plugin`): an npm package name (resolved
 * from the current directory first, then from the CLI's own install), or a path to a package
 * directory or a module file. Importing a plugin registers its mixers. The user named them, so
 * they are trusted as they are; what a checkpoint names goes through ./recorded-packages.ts.
 * Then every installed package that declares mixers gets lazy loaders (./installed-mixers.ts),
 * so plans and checkpoints find them without --plugin.
 */
export async function loadPlugins(specs: string[] = []): Promise<void> {
  for (const spec of specs) {
    const target = resolvePlugin(spec);
    try {
      await importRecordingSource(target, { kind: 'plugin', spec });
    } catch (e) {
      throw new DeconattnError(`Could not load plugin '${spec}' (${target}): ${(e as Error).message}`);
    }
  }
  registerInstalledMixers();
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
  throw notInstalled(spec);
}

/**
 * A --plugin name that resolves nowhere. Most often a typo: suggest the installed packages with
 * close names, never an install command for the name as typed (that name may be anyone's).
 */
function notInstalled(spec: string): DeconattnError {
  const near = installedNearMatches(spec);
  const mixerPackages = [...new Set(installedMixerPackages().map((p) => p.name))];
  const parts = [`Plugin package '${spec}' is not installed (looked in the current project's node_modules and the CLI's own).`];
  if (near.length) parts.push(`Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`);
  parts.push(mixerPackages.length ? `Installed mixer packages: ${mixerPackages.join(', ')}.` : 'No installed package declares deconattn mixers.');
  parts.push('Check the spelling, or pass the path of a plugin directory (./my-mixer).');
  return new DeconattnError(parts.join(' '));
}
