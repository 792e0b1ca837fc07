import { spearmanRank } from '@deconattn/tasks-synthetic';
import { PAPER_WIKITEXT_PPL } from '../paper/table1.js';
import type { ModelSummary, RankCorrelation } from './types.js';

/**
 * How well this study orders its models like the paper's Table 1 WikiText perplexity: Spearman's
 * ρ over the models both have (standard, uniform, hybrid, hybrid-skip of the mixer sublayers).
 * Our figure is the WikiText word perplexity when every compared model measured it, the held-out
 * perplexity otherwise; a model that diverged at every seed ranks as the most perplexed.
 */
export function paperRankCorrelation(summary: readonly ModelSummary[], level = 0.95): RankCorrelation | null {
  const rows = summary.filter((m) => m.id in PAPER_WIKITEXT_PPL);
  const useWiki = rows.length > 0 && rows.every((m) => m.wikitext || !m.valLoss);
  const models: RankCorrelation['models'] = rows.map((m) => {
    const i = useWiki ? m.wikitext : m.valPerplexity;
    return { id: m.id, paper: PAPER_WIKITEXT_PPL[m.id]!, ours: i ? i.estimate : Infinity };
  });
  if (models.length < 3) return null;
  const r = spearmanRank(models.map((m) => m.paper), models.map((m) => m.ours), level);
  if (!Number.isFinite(r.rho)) return null; // one side has every model tied
  return { spearman: r.rho, n: r.n, p: r.p, lo: r.lo, hi: r.hi, ours: useWiki ? 'wikitext word perplexity' : 'held-out perplexity', models };
}
