import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { DeconattnError, parseJsonSafely } from '@deconattn/core';
import { isBarePackageName } from '@deconattn/hybrid/node';
import { PACKAGE_BASES, packageEntry } from './package-entry.js';
import { importRecordingSource, type MixerSource } from './mixer-sources.js';

/**
 * A checkpoint's config.json records which package provides each mixer. That is a claim by
 * whoever wrote the checkpoint, so it is used only to find a package the user installed, never
 * to reach code of the checkpoint's choosing. The package is imported only when
 *   - the recorded name is a bare npm package name (no path, URL, `file:` or `..`);
 *   - it is installed where the user's packages are (resolved from the current project or the
 *     CLI's install), and not inside the model directory (a checkpoint may ship node_modules/);
 *   - its package.json declares the mixer: `"deconattn": { "mixers": ["<id>", …] }`
 *     (MIXER_PACKAGE_MARKER; every first-party mixer package carries it).
 * Anything else is a one-line refusal that says how to trust the code explicitly (--plugin).
 * docs/security.md describes the whole model.
 */

/** The package.json field a mixer package declares its mixer ids in. */
export const MIXER_PACKAGE_MARKER = 'deconattn';

const PACKAGE_JSON_MAX_BYTES = 2 ** 20;

export interface RecordedMixer {
  id: string;
  /** The package name as the checkpoint records it (anything: it is not trusted). */
  package: unknown;
  /** The checkpoint's config.json, for messages. */
  configFile: string;
  /** Directories whose contents came with the checkpoint: nothing in them is imported. */
  untrusted: string[];
}

const trustHint = (what: string) => `If you trust that code, load it explicitly with --plugin ${what}.`;

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Directory of the installed package `name`, or undefined (through exports, or node_modules when they hide package.json). */
function findInstalled(name: string): string | undefined {
  for (const base of PACKAGE_BASES()) {
    const req = createRequire(base);
    try {
      return path.dirname(req.resolve(`${name}/package.json`));
    } catch {
      for (const dir of req.resolve.paths(name) ?? []) {
        if (fs.existsSync(path.join(dir, name, 'package.json'))) return path.join(dir, name);
      }
    }
  }
  return undefined;
}

function readPackageJson(dir: string, name: string): Record<string, any> {
  const file = path.join(dir, 'package.json');
  const st = fs.statSync(file);
  if (!st.isFile() || st.size > PACKAGE_JSON_MAX_BYTES) throw new DeconattnError(`Mixer package '${name}': ${file} is not a package.json of at most ${PACKAGE_JSON_MAX_BYTES} bytes. ${trustHint(name)}`);
  const r = parseJsonSafely(fs.readFileSync(file, 'utf8'));
  if (!r.ok || typeof r.value !== 'object' || r.value === null || Array.isArray(r.value)) {
    throw new DeconattnError(`Mixer package '${name}': ${file} ${r.ok ? 'is not a JSON object' : r.problem}. ${trustHint(name)}`);
  }
  return r.value as Record<string, any>;
}

/** The mixer ids a package.json declares (`"deconattn": { "mixers": [...] }`), or undefined. */
export function declaredMixers(pkg: Record<string, any>): string[] | undefined {
  const mixers = pkg[MIXER_PACKAGE_MARKER]?.mixers;
  return Array.isArray(mixers) && mixers.every((m) => typeof m === 'string') ? mixers : undefined;
}

/** The recorded package name when it is a bare npm package name; else a one-line refusal. */
export function checkRecordedName(m: RecordedMixer): string {
  if (isBarePackageName(m.package)) return m.package;
  throw new DeconattnError(
    `Refusing to load mixer '${m.id}': ${m.configFile} says it comes from ${JSON.stringify(m.package)}, which is not an npm package name (a checkpoint may only name installed packages, never a path or URL). ${trustHint('<package-or-path>')}`,
  );
}

/**
 * Imports the installed package a checkpoint records for mixer `m.id`, after the checks above.
 * Returns false when no such package is installed (the registry then reports the unknown mixer
 * and the package that provides it); throws a one-line DeconattnError when it refuses.
 */
export async function loadRecordedPackage(m: RecordedMixer): Promise<boolean> {
  const name = checkRecordedName(m);
  const found = findInstalled(name);
  if (!found) return false;
  await importMixerPackage({ id: m.id, name, dir: found, untrusted: m.untrusted, source: { kind: 'installed', package: name, dir: found, project: false } });
  return true;
}

export interface MixerPackageImport {
  /** The mixer id the package must declare. */
  id: string;
  /** The package name it must have. */
  name: string;
  /** Where it is installed. */
  dir: string;
  /** Directories whose code is never imported (the model directory being opened). */
  untrusted: readonly string[];
  source: MixerSource;
}

/**
 * Imports an installed mixer package (a checkpoint's record, or one found installed): only when
 * it lies outside every untrusted directory, its package.json has the expected name and declares
 * the mixer, and its entry lies inside it. Throws a one-line DeconattnError when it refuses.
 */
export async function importMixerPackage(m: MixerPackageImport): Promise<void> {
  const { name } = m;
  const dir = realOrResolved(m.dir);
  const home = m.untrusted.map(realOrResolved).find((u) => inside(u, dir));
  if (home) {
    throw new DeconattnError(`Refusing to load mixer '${m.id}': its package '${name}' resolves to ${dir}, inside the model directory ${home}; code that comes with a checkpoint is never loaded. ${trustHint(name)}`);
  }
  const pkg = readPackageJson(dir, name);
  if (pkg.name !== name) throw new DeconattnError(`Refusing to load mixer '${m.id}': ${path.join(dir, 'package.json')} names the package ${JSON.stringify(pkg.name)}, not '${name}'. ${trustHint(name)}`);
  const declared = declaredMixers(pkg);
  if (!declared?.includes(m.id)) {
    throw new DeconattnError(
      `Refusing to load mixer '${m.id}': the installed package '${name}' (${dir}) does not declare it in its package.json ("${MIXER_PACKAGE_MARKER}": {"mixers": ["${m.id}"]}), so it is not loaded for a checkpoint. ${trustHint(name)}`,
    );
  }
  const entry = realOrResolved(packageEntry(dir, pkg, name));
  if (!inside(dir, entry)) throw new DeconattnError(`Refusing to load mixer '${m.id}': the entry of package '${name}' (${entry}) lies outside the package directory ${dir}. ${trustHint(name)}`);
  try {
    await importRecordingSource(pathToFileURL(entry).href, m.source);
  } catch (e) {
    throw new DeconattnError(`Could not load mixer package '${name}' (${entry}): ${(e as Error).message}`);
  }
}
