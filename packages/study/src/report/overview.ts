import type { TopLevelSpec } from 'vega-lite';
import { formatPerplexity, formatRatio } from './format.js';
import { colorScale, decades, type Series } from './series.js';
import type { Chart } from './vega.js';

/**
 * The report's first chart: each run's held-out perplexity divided by standard's, on a log axis
 * with standard at 1, so "trains like standard" and "does not" separate at a glance.
 */
export function overviewChart(series: Series[]): Chart | null {
  const std = series.find((s) => s.group === 'baseline' && s.run?.metrics && Number.isFinite(s.run.metrics.valPerplexity));
  if (!std) return null;
  const base = std.run!.metrics!.valPerplexity;
  const measured = series.filter((s) => s.run?.metrics && Number.isFinite(s.run.metrics.valPerplexity) && s.run.metrics.valPerplexity > 0);
  const ratios = measured.map((s) => s.run!.metrics!.valPerplexity / base);
  const lo = Math.min(1, ...ratios) / 1.25;
  // Room on the right for the labels; the axis ends on a decade.
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, ...ratios) * 3));
  const rows = series.map((s) => {
    const ppl = s.run?.metrics?.valPerplexity;
    const ok = ppl !== undefined && Number.isFinite(ppl) && ppl > 0;
    return {
      run: s.label,
      ratio: ok ? ppl / base : null,
      text: ok ? `${formatPerplexity(ppl)} (${formatRatio(ppl / base)})` : `${s.run?.status === 'ok' ? 'not measured' : s.run?.status ?? 'not measured'}${ppl !== undefined && !ok ? ` (PPL ${formatPerplexity(ppl)})` : ''}`,
      floor: lo,
    };
  });
  const missing = series.filter((s) => !measured.includes(s)).map((s) => s.label);
  const y = { field: 'run', type: 'nominal', sort: series.map((s) => s.label), title: null, axis: { labelLimit: 260 } } as const;
  const spec: TopLevelSpec = {
    data: { values: rows },
    width: 520,
    height: { step: 22 },
    layer: [
      {
        transform: [{ filter: 'datum.ratio != null' }],
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y,
          x: { field: 'ratio', type: 'quantitative', scale: { type: 'log', domain: [lo, hi], nice: false }, title: "held-out perplexity ÷ standard's (log scale; 1 = standard)", axis: { values: decades(lo, hi).filter((v) => v >= lo && v <= hi), format: '~g' } },
          x2: { datum: lo },
          color: { field: 'run', type: 'nominal', scale: colorScale(series), legend: null },
        },
      },
      {
        transform: [{ filter: 'datum.ratio != null' }],
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
        encoding: { y, x: { field: 'ratio', type: 'quantitative' }, text: { field: 'text' } },
      },
      {
        transform: [{ filter: 'datum.ratio == null' }],
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, fontStyle: 'italic', color: '#b00020' },
        encoding: { y, x: { field: 'floor', type: 'quantitative' }, text: { field: 'text' } },
      },
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { datum: 1 } } },
    ],
  };
  return {
    id: 'overview',
    title: 'Held-out perplexity relative to standard',
    caption: `Each bar is a run's perplexity on the bundled corpus' held-out split divided by standard's (${formatPerplexity(base)}); the dashed line is standard. Bars near the line train like standard; long bars do not. Labels give the perplexity and the ratio.${missing.length ? ` No perplexity for: ${missing.join(', ')}.` : ''}`,
    spec,
  };
}
