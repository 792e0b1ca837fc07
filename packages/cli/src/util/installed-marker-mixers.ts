import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { hasMixer, parseJsonSafely, registerMixerLoader } from '@deconattn/core';
import { PACKAGE_BASES } from './plugins.js';
import { declaredMixers, loadRecordedPackage } from './recorded-packages.js';

/**
 * Mixers of installed plugins, for new models: every package installed where the user's packages
 * are (the current project's node_modules and the CLI's own) whose package.json declares mixers
 * (`"deconattn": { "mixers": [...] }`) gets a lazy loader for each, so `--plan standard,<id>`
 * works without --plugin once the plugin is installed. Nothing is imported until a plan names one
 * of its ids, and then through the checks a checkpoint's recorded package gets
 * (./recorded-packages.ts: installed, declares the id, entry inside the package).
 */
const PACKAGE_JSON_MAX_BYTES = 2 ** 20;

/** Package names in a node_modules directory (scoped ones included); unreadable entries are skipped. */
function packageNames(nodeModules: string): string[] {
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir).filter((d) => !d.startsWith('.'));
    } catch {
      return [];
    }
  };
  return list(nodeModules).flatMap((d) => (d.startsWith('@') ? list(path.join(nodeModules, d)).map((n) => `${d}/${n}`) : [d]));
}

function declared(file: string): string[] | undefined {
  try {
    if (fs.statSync(file).size > PACKAGE_JSON_MAX_BYTES) return undefined;
    const r = parseJsonSafely(fs.readFileSync(file, 'utf8'));
    return r.ok && typeof r.value === 'object' && r.value !== null ? declaredMixers(r.value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

export function registerInstalledMixers(): void {
  const dirs = new Set(PACKAGE_BASES().flatMap((base) => createRequire(base).resolve.paths('deconattn-plugin') ?? []));
  for (const dir of dirs) {
    for (const name of packageNames(dir)) {
      for (const id of declared(path.join(dir, name, 'package.json')) ?? []) {
        if (hasMixer(id)) continue;
        registerMixerLoader(id, name, async () => void (await loadRecordedPackage({ id, package: name, configFile: `the installed package ${name}`, untrusted: [] })));
      }
    }
  }
}
