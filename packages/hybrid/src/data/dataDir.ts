import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeconattnError } from '@deconattn/core';

export const HYBRID_PACKAGE_NAME = '@deconattn/hybrid';

/**
 * The first folder at or above `startDir` whose package.json is named `packageName`. This works
 * from the sources (src/data/), from the built bundle (dist/) and from an installed copy
 * (node_modules/@deconattn/hybrid/dist/), because the package ships its data/ beside dist/.
 */
export function findPackageRoot(startDir: string, packageName: string): string {
  let dir = resolve(startDir);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (parsed.name === packageName) return dir;
      } catch {
        // An unreadable or non-JSON package.json on the way up is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new DeconattnError(
        `Cannot find the package folder of ${packageName}: no package.json named '${packageName}' at or above ${startDir}. ` +
          `Its data/ folder (bundled corpus, tokenizer) must stay beside its dist/ folder; bundling the package into another file breaks this.`,
      );
    }
    dir = parent;
  }
}

/** Folder of this module (the CommonJS build gets import.meta.url from tsup's shim). */
function moduleDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

let cached: string | undefined;

/** Absolute path of the vendored `data/` folder of @deconattn/hybrid. */
export function hybridDataDir(): string {
  if (cached === undefined) cached = join(findPackageRoot(moduleDir(), HYBRID_PACKAGE_NAME), 'data');
  return cached;
}

/** Absolute path of a vendored file, with a clear error if the package was installed without it. */
export function hybridDataFile(relativePath: string): string {
  const file = join(hybridDataDir(), relativePath);
  if (!existsSync(file)) {
    throw new DeconattnError(
      `Vendored data file missing: ${file}. It ships with ${HYBRID_PACKAGE_NAME} (package.json "files" includes "data"); reinstall the package.`,
    );
  }
  return file;
}
