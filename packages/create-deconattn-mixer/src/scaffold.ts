import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaffoldError, mixerNames, type MixerNames } from './names.js';
import { DECONATTN_RANGES } from './versions.js';

export interface ScaffoldOptions {
  /** Directory to create (it may exist if empty). */
  dir: string;
  /** npm package name (default: the directory's name). */
  packageName?: string;
  /** Mixer id (default: the package name without scope and a `deconattn-mixer-` prefix). */
  id?: string;
  /** Write into a non-empty directory, replacing files of the same names. */
  force?: boolean;
}

export interface ScaffoldResult {
  dir: string;
  names: MixerNames;
  /** Written files, relative to `dir`. */
  files: string[];
}

/** The template shipped next to dist/ (and next to src/ in the repository). */
export const TEMPLATE_DIR = fileURLToPath(new URL('../template/', import.meta.url));

/**
 * Template files held under another name: npm drops `.gitignore` from published packages, and a
 * nested `package.json` would look like a package of its own to tools (publint, bundlers).
 */
export const RENAMED: Record<string, string> = { _gitignore: '.gitignore', '_package.json': 'package.json' };

/** Every `__placeholder__` in the template and what it becomes. */
export function placeholders(names: MixerNames): Record<string, string> {
  return {
    '__package-name__': names.packageName,
    '__mixer-id__': names.id,
    __MixerName__: names.pascal,
    __mixerName__: names.camel,
    '__core-range__': DECONATTN_RANGES.core,
    '__testkit-range__': DECONATTN_RANGES.testkit,
    '__cli-range__': DECONATTN_RANGES.cli,
  };
}

function templateFiles(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? templateFiles(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/__[A-Za-z-]+__/g, (m) => values[m] ?? m);
}

/**
 * Writes a complete plugin package into `opts.dir`. The files go to a temporary sibling directory
 * first and are moved into place at the end, so a failure leaves no half-written package.
 */
export function scaffold(opts: ScaffoldOptions): ScaffoldResult {
  const dir = path.resolve(opts.dir);
  const packageName = opts.packageName ?? path.basename(dir);
  const names = mixerNames(packageName, opts.id);
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new ScaffoldError(`${dir} exists and is not a directory: pick a new directory name.`);
    const present = fs.readdirSync(dir).filter((f) => f !== '.git');
    if (present.length && !opts.force) throw new ScaffoldError(`${dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): pick a new directory, or pass --force to write into it.`);
  }
  const values = placeholders(names);
  const files = templateFiles(TEMPLATE_DIR);
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}-`));
  const written: string[] = [];
  try {
    for (const rel of files) {
      const out = path.join(path.dirname(rel), RENAMED[path.basename(rel)] ?? path.basename(rel));
      fs.mkdirSync(path.join(staging, path.dirname(out)), { recursive: true });
      fs.writeFileSync(path.join(staging, out), fillTemplate(fs.readFileSync(path.join(TEMPLATE_DIR, rel), 'utf8'), values));
      written.push(out);
    }
    if (!fs.existsSync(dir)) fs.renameSync(staging, dir);
    else {
      for (const rel of written) {
        fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
        fs.renameSync(path.join(staging, rel), path.join(dir, rel));
      }
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return { dir, names, files: written };
}
