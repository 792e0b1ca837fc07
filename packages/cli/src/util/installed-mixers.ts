import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { didYouMean, hasMixer, mixerProvider, parseJsonSafely, registerMixerLoader } from '@deconattn/core';
import { declaredMixers, importMixerPackage } from './recorded-packages.js';

/**
 * Installed mixer plugins, found without --plugin. A package is a deconattn mixer plugin when its
 * package.json declares the mixers it registers: `"deconattn": { "mixers": ["my-mixer"] }`.
 * "Installed" means where Node looks for packages from the current directory (its node_modules
 * and those above it, the global folders) and from the CLI's own install (so a global CLI sees
 * global plugins), plus the current project itself when its own package.json declares mixers
 * (an author running the CLI in the plugin's directory). Nothing is imported while looking: each
 * declared id gets a lazy loader, run when a plan or a checkpoint names the id (or `mixers`
 * lists everything). Ids already registered (built in, or from --plugin) keep their mixer; where
 * two installed packages declare one id, the first in Node's search order wins.
 */
export interface InstalledMixerPackage {
  name: string;
  version: string;
  dir: string;
  mixers: string[];
  /** The package of the current directory (found by walking up to its package.json), not a dependency. */
  project: boolean;
}

const PACKAGE_JSON_MAX_BYTES = 2 ** 20;

function readJsonObject(file: string): Record<string, any> | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > PACKAGE_JSON_MAX_BYTES) return undefined;
    const r = parseJsonSafely(fs.readFileSync(file, 'utf8'));
    return r.ok && typeof r.value === 'object' && r.value !== null && !Array.isArray(r.value) ? (r.value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** node_modules folders Node searches from the current directory, then from the CLI's install, without duplicates. */
export function packageSearchDirs(): string[] {
  const fromCwd = createRequire(path.join(process.cwd(), 'package.json')).resolve.paths('x') ?? [];
  const fromCli = createRequire(import.meta.url).resolve.paths('x') ?? [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of [...fromCwd, ...fromCli]) {
    const real = realOrNull(dir);
    if (!real || seen.has(real) || !fs.statSync(real).isDirectory()) continue;
    seen.add(real);
    out.push(dir);
  }
  return out;
}

/** Package directories directly in a node_modules folder (scoped ones one level down); dot-folders (.pnpm, .bin) skipped. */
function packageDirsIn(nodeModules: string): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(nodeModules);
  } catch {
    return out;
  }
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      let scoped: string[] = [];
      try {
        scoped = fs.readdirSync(path.join(nodeModules, entry));
      } catch {
        continue;
      }
      for (const s of scoped.sort()) if (!s.startsWith('.')) out.push({ name: `${entry}/${s}`, dir: path.join(nodeModules, entry, s) });
    } else out.push({ name: entry, dir: path.join(nodeModules, entry) });
  }
  return out;
}

/** The package the current directory belongs to (nearest package.json above it), if it declares mixers. */
function projectPackage(): InstalledMixerPackage | undefined {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const pkg = readJsonObject(path.join(dir, 'package.json'));
    if (pkg) {
      const mixers = declaredMixers(pkg);
      return mixers && typeof pkg.name === 'string' ? { name: pkg.name, version: String(pkg.version ?? ''), dir, mixers, project: true } : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

let scanned: { mixerPackages: InstalledMixerPackage[]; allNames: string[] } | undefined;

function scan(): { mixerPackages: InstalledMixerPackage[]; allNames: string[] } {
  if (scanned) return scanned;
  const mixerPackages: InstalledMixerPackage[] = [];
  const allNames = new Set<string>();
  const self = projectPackage();
  if (self) mixerPackages.push(self);
  const seenDirs = new Set<string>(self ? [realOrNull(self.dir) ?? self.dir] : []);
  for (const nm of packageSearchDirs()) {
    for (const { name, dir } of packageDirsIn(nm)) {
      allNames.add(name);
      const real = realOrNull(dir);
      if (!real || seenDirs.has(real)) continue;
      seenDirs.add(real);
      const pkg = readJsonObject(path.join(real, 'package.json'));
      const mixers = pkg && declaredMixers(pkg);
      // The folder name must be the package's name: a package is installed under the name it has.
      if (pkg && mixers && pkg.name === name) mixerPackages.push({ name, version: String(pkg.version ?? ''), dir, mixers, project: false });
    }
  }
  scanned = { mixerPackages, allNames: [...allNames].sort() };
  return scanned;
}

/** Installed packages that declare mixers, in Node's search order (the current project first). */
export function installedMixerPackages(): InstalledMixerPackage[] {
  return scan().mixerPackages;
}

/** Directories whose code is never imported (a model directory being opened): see recorded-packages.ts. */
const untrustedDirs: string[] = [];
export function distrustDirectory(dir: string): void {
  untrustedDirs.push(dir);
}

/** Registers a lazy loader for every id an installed package declares that is not registered yet. */
export function registerInstalledMixers(): void {
  const taken = new Set<string>();
  for (const pkg of installedMixerPackages()) {
    for (const id of pkg.mixers) {
      if (hasMixer(id) || taken.has(id)) continue;
      taken.add(id);
      // A provider already announced for the id (a first-party family) is left alone: its package
      // is what a plan naming the id means; an installed package only fills ids nobody provides.
      const announced = mixerProvider(id);
      if (announced && announced !== pkg.name) continue;
      registerMixerLoader(id, pkg.name, async () => {
        await importMixerPackage({ id, name: pkg.name, dir: pkg.dir, untrusted: untrustedDirs, source: { kind: 'installed', package: pkg.name, dir: pkg.dir, project: pkg.project } });
      });
    }
  }
}

/** Installed package names close to `spec` (mixer packages first), for a misspelt --plugin. */
export function installedNearMatches(spec: string): string[] {
  const { mixerPackages, allNames } = scan();
  const marked = [...new Set(mixerPackages.map((p) => p.name))];
  const out: string[] = [];
  const best = didYouMean(spec, marked);
  if (best) out.push(best);
  const other = didYouMean(spec, allNames.filter((n) => !out.includes(n)));
  if (other) out.push(other);
  return out;
}
