import { attentionParamCount, countParams, listMixers } from '@deconattn/core';
import { dimsOf, getPreset, parsePlan, resolvePlan } from '@deconattn/hybrid';
import { loadPlugins } from '../util/plugins.js';
import { markdownTable } from '../util/table.js';

export async function mixersCommand(o: { json?: boolean; preset: string; filter?: string; plugin?: string[] }): Promise<void> {
  await loadPlugins(o.plugin);
  const dims = dimsOf(getPreset(o.preset).model);
  const rows = listMixers(o.filter ?? '*').map((def) => {
    const mixer = def.create(dims, def.defaultOptions);
    return {
      id: def.id,
      role: def.role,
      package: def.packageName,
      version: def.packageVersion,
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
    console.log(JSON.stringify({ preset: o.preset, hiddenSize: dims.hiddenSize, mixers: rows }, null, 2));
    return;
  }
  console.log(`Registered token mixers (parameters per layer at d = ${dims.hiddenSize}, preset ${o.preset}):\n`);
  console.log(markdownTable(['id', 'package', 'relaxes', 'decoding', 'params/layer', 'vs standard'], rows.map((r) => [r.id, `${r.package}@${r.version}`, r.principle, r.decoding, r.paramsPerLayer, r.vsStandard === 0 ? 'equal' : `${r.vsStandard > 0 ? '+' : ''}${r.vsStandard}`])));
}

export function planCommand(planText: string, o: { layers: number; json?: boolean }): void {
  const plan = parsePlan(planText);
  const layers = resolvePlan(plan, o.layers);
  if (o.json) {
    console.log(JSON.stringify({ plan, layers }, null, 2));
    return;
  }
  console.log(markdownTable(['layer', 'mixer'], layers.map((m, i) => [String(i + 1), m])));
}
