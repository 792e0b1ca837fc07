import { listMixers } from '@deconattn/core';

/**
 * Where each registered mixer came from, for `deconattn mixers`: built into the CLI, loaded with
 * --plugin, or found installed (a package in node_modules, or the current project itself).
 */
export type MixerSource = { kind: 'built-in' } | { kind: 'plugin'; spec: string } | { kind: 'installed'; package: string; dir: string; project: boolean };

const sources = new Map<string, MixerSource>();

/** The source of mixer `id`; mixers registered before any plugin loaded are the CLI's own. */
export function mixerSource(id: string): MixerSource {
  return sources.get(id) ?? { kind: 'built-in' };
}

/** Imports `url` and records `source` for the mixer ids it registered. */
export async function importRecordingSource(url: string, source: MixerSource): Promise<void> {
  const before = new Set(listMixers().map((d) => d.id));
  await import(url);
  for (const d of listMixers()) if (!before.has(d.id) && !sources.has(d.id)) sources.set(d.id, source);
}

/** One line for people: `built in`, `--plugin ./x`, `installed: /p/node_modules/x`, `this project: /p`. */
export function describeSource(s: MixerSource): string {
  if (s.kind === 'built-in') return 'built in';
  if (s.kind === 'plugin') return `--plugin ${s.spec}`;
  return `${s.project ? 'this project' : 'installed'}: ${s.dir}`;
}
