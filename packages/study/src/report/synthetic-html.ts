import { renderAccuracyHeatmap, suiteHeatmap, type SyntheticSuiteResults } from '@deconattn/tasks-synthetic';
import { escapeHtml, formatParameters } from './format.js';

const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`);

/** Parameters, decoding state per token, training tokens/s and peak tensor memory per model (first rung, first seed). */
function efficiencyTable(r: SyntheticSuiteResults): string {
  const first = r.config.tasks[0];
  if (!first) return '';
  const rung = first.rungs[0]!;
  const rows = r.efficiency.filter((e) => e.task === first.task && e.rung === rung);
  if (!rows.length) return '';
  const body = rows
    .map((e) => {
      const m = r.models.find((x) => x.id === e.model);
      return `<tr><td class="left">${escapeHtml(m?.label ?? e.model)}</td><td>${formatParameters(e.parameters)}</td><td>${e.decodingState.perToken}</td><td>${e.decodingState.constant}</td><td>${Math.round(e.trainTokensPerSec).toLocaleString('en-US')}</td><td>${bytes(e.peakBytes)}</td></tr>`;
    })
    .join('');
  return `<h3>Efficiency (${escapeHtml(first.task)} ${escapeHtml(rung)}, first seed)</h3>
<table class="results efficiency"><thead><tr><th class="left">model</th><th>params</th><th title="numbers each added token adds to the decoding state, over all layers">decoding state / token</th><th title="numbers of decoding state independent of the length">constant state</th><th>train tokens/s</th><th>peak tensor memory</th></tr></thead><tbody>${body}</tbody></table>
<p class="legend">Decoding state measured through the cached decoding path (numbers, not bytes); tokens/s on backend ${escapeHtml(rows[0]!.backend)} on this machine, which may be shared.</p>`;
}

/** The synthetic suite's heatmap (mean accuracy with its interval, chance and majority rows) and efficiency table. */
export function syntheticHtml(r: SyntheticSuiteResults | undefined): string {
  if (!r) return '<p><i>The synthetic suite was not part of this study (<code>--suite synthetic</code> or <code>all</code>).</i></p>';
  const t = r.config.train ?? {};
  const m = r.config.model;
  const intro = `<p>Standard attention and each relaxed mixer in each configuration trained on recall tasks where token mixing is required (MQAR: key–value pairs, then every key again). Test accuracy on the queried positions only; every model ${r.config.seeds.length > 1 ? `at ${r.config.seeds.length} seeds (mean [95 % t interval])` : 'at one seed'}, its learning rate the best of ${JSON.stringify(r.config.lrGrid)} on a validation split. Model: ${m ? `d ${m.hiddenSize}, ${m.numLayers} layers, ${m.numHeads} heads` : 'tiny'}; ${t.steps ?? 300} steps of ${t.batchSize ?? 32} sequences. The chance and majority rows are the baselines of each rung.</p>`;
  return `${intro}\n<figure class="synthetic-heatmap" data-figure="synthetic-heatmap">${renderAccuracyHeatmap(suiteHeatmap(r))}</figure>\n${efficiencyTable(r)}`;
}
