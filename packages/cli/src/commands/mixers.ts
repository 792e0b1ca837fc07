import { attentionParamCount, countParams, listMixers, resolveMixer } from '@deconattn/core';
import { dimsOf, getPreset, parsePlan, resolvePlan } from '@deconattn/hybrid';
import { loadPlugins } from '../util/plugins.js';
import { installedMixerPackages } from '../util/installed-mixers.js';
import { describeSource, mixerSource } from '../util/mixer-sources.js';
import { markdownTable } from '../util/table.js';

/**
 * Loads every installed mixer package (they are registered lazily), so that the listing shows
 * them. A package that fails to load is reported on stderr and left out; the others are listed.
 */
async function loadEveryInstalledMixer(): Promise<string[]> {
  const problems: string[] = [];
  for (const pkg of installedMixerPackages()) {
    for (const id of pkg.mixers) {
      try {
        await resolveMixer(id);
      } catch (e) {
        problems.push(`${pkg.name} (${pkg.dir}) declares mixer '${id}' but it did not load: ${(e as Error).message}`);
        break;
      }
    }
  }
  return problems;
}

export async function mixersCommand(o: { json?: boolean; preset: string; filter?: string; plugin?: string[] }): Promise<void> {
  await loadPlugins(o.plugin);
  const problems = await loadEveryInstalledMixer();
  for (const p of problems) console.error(`deconattn: ${p}`);
  const dims = dimsOf(getPreset(o.preset).model);
  const rows = listMixers(o.filter ?? '*').map((def) => {
    const mixer = def.create(dims, def.defaultOptions);
    return {
      id: def.id,
      role: def.role,
      package: def.packageName,
      version: def.packageVersion,
      /** Built into the CLI, loaded with --plugin, or found installed (node_modules or the current project). */
      source: mixerSource(def.id),
      principle: def.principle,
      decoding: def.decoding,
      attentionMap: def.hasAttentionMap,
      paramsPerLayer: countParams(mixer.params()),
      /** Parameters minus standard attention's 4d² + 3d (mlp matches it only as closely as an integer width allows). */
      vsStandard: countParams(mixer.params()) - attentionParamCount(dims.hiddenSize),
      description: def.description,
    };
  });
  if (o.json) {
    console.log(JSON.stringify({ preset: o.preset, hiddenSize: dims.hiddenSize, mixers: rows, problems }, null, 2));
    return;
  }
  console.log(`Registered token mixers (parameters per layer at d = ${dims.hiddenSize}, preset ${o.preset}):\n`);
  console.log(
    markdownTable(
      ['id', 'package', 'from', 'relaxes', 'decoding', 'params/layer', 'vs standard'],
      rows.map((r) => [r.id, `${r.package}@${r.version}`, describeSource(r.source), r.principle, r.decoding, r.paramsPerLayer, r.vsStandard === 0 ? 'equal' : `${r.vsStandard > 0 ? '+' : ''}${r.vsStandard}`]),
    ),
  );
}

export async function planCommand(planText: string, o: { layers: number; json?: boolean; plugin?: string[] }): Promise<void> {
  await loadPlugins(o.plugin);
  const plan = parsePlan(planText);
  const layers = resolvePlan(plan, o.layers);
  // As train does: an unknown id fails with the registered ids, the closest one and its package.
  for (const id of new Set(layers)) await resolveMixer(id);
  if (o.json) {
    console.log(JSON.stringify({ plan, layers }, null, 2));
    return;
  }
  console.log(markdownTable(['layer', 'mixer'], layers.map((m, i) => [String(i + 1), m])));
}
