/** The official metrics of a fine-tuned task (EVAL.md) from predictions, as lm-eval-style aggregations. */
import { aggregate, type Item } from '../metrics/aggregations.js';
import type { TaskSpec } from '../spec.js';
import type { MetricOutcome } from '../results.js';
import type { Example } from './examples.js';

/** Aggregation of a fine-tuning metric; a task's zero-shot definition decides e.g. CB's macro F1. */
export function aggregationOf(spec: TaskSpec, metric: string): string {
  const zs = spec.zeroShot?.metrics.find((m) => m.metric === metric);
  if (zs) return zs.aggregation;
  const dflt: Record<string, string> = { acc: 'mean', f1: 'f1', mcc: 'matthews_corrcoef', f1a: 'multirc_f1a', em: 'multirc_em', pearson: 'pearson', spearmanr: 'spearmanr' };
  const a = dflt[metric];
  if (!a) throw new Error(`task '${spec.task}': no aggregation known for fine-tuning metric '${metric}'`);
  return a;
}

function items(metric: string, preds: number[], examples: Example[]): Item[] {
  return examples.map((e, i): Item => {
    const p = preds[i]!;
    if (metric === 'acc') return p === e.label ? 1 : 0;
    if (metric === 'em') return [e.group ?? String(i), e.label, p];
    if (metric === 'pearson' || metric === 'spearmanr') return [p, e.label];
    return [e.label, p];
  });
}

export function finetuneMetrics(spec: TaskSpec, preds: number[], examples: Example[], bootstrapIters: number): MetricOutcome[] {
  return spec.finetune!.metrics.map((m) => {
    const { value, stderr } = examples.length ? aggregate(aggregationOf(spec, m), items(m, preds, examples), bootstrapIters) : { value: NaN, stderr: 'N/A' as const };
    return { metric: m, value, stderr, higherIsBetter: true };
  });
}

/** Mean of the task's official metrics: the early-stopping criterion and the GLUE-style task score. */
export function meanOfMetrics(spec: TaskSpec, preds: number[], examples: Example[]): number {
  const ms = finetuneMetrics(spec, preds, examples, 0);
  return ms.reduce((s, m) => s + (Number.isFinite(m.value) ? m.value : -1), 0) / ms.length;
}
