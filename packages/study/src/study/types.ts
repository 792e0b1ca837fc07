import type { LayerPlan, ModelAnalysis, StepLog } from '@deconattn/hybrid';

/** Which comparison a run belongs to (the row groups of the paper's Table 1). */
export type RunGroup = 'baseline' | 'uniform' | 'hybrid' | 'hybrid-skip' | 'placement';

export interface TaskScore {
  /** The metric reported in the table (acc for NLU tasks, word_perplexity / perplexity for LM tasks). */
  metric: string;
  value: number;
  stderr: number | null;
  /** Documents evaluated. */
  n: number;
}

export interface RunMetrics {
  /** Mean next-token loss (nats) on the bundled corpus' held-out split, fixed windows. */
  valLoss: number;
  valPerplexity: number;
  /** WikiText (rolling windows, lm-eval rules) on the first `wikitextDocs` documents. */
  wikitext?: { wordPerplexity: number; bytePerplexity: number; bitsPerByte: number; docs: number };
  /** Zero-shot tasks by lm-eval name. */
  tasks: Record<string, TaskScore>;
  /** Mean accuracy over the NLU tasks evaluated (null when none). */
  nluAverage: number | null;
  /** Tasks that could not be evaluated on this model, with the reason. */
  skippedTasks?: Record<string, string>;
}

export interface StudyRun {
  /** Stable id, also the run's directory name: `standard`, `uniform-mlp`, `hybrid-mlp`, `hybrid-mlp-skip`, `bilateral-rnd-emb-qk`. */
  id: string;
  /** Human label: `standard`, `uniform mlp`, `hybrid-skip mlp`. */
  label: string;
  group: RunGroup;
  /** The relaxed mixer ('standard' for the baseline). */
  mixer: string;
  /** Plan preset (uniform, hybrid, first, …). */
  placement: string;
  skip?: 'mixer' | 'block';
  /** For skip runs: the id of the trained hybrid run evaluated without its relaxed layers. */
  evaluatedFrom?: string;
  plan: LayerPlan;
  layers: string[];
  parameters: number;
  status: 'ok' | 'diverged' | 'failed';
  /** Why a run diverged or failed (the error message). */
  error?: string;
  train?: {
    steps: number;
    seconds: number;
    finalLoss: number;
    /** Logged steps: step, loss, valLoss when measured, lr, tokens/s… */
    history: StepLog[];
  };
  metrics?: RunMetrics;
  analysis?: ModelAnalysis;
  durations: { trainSec: number; evalSec: number };
}

export interface PatternCheck {
  /** What the paper found, in words. */
  claim: string;
  /** Whether this study's numbers show it; null when the runs needed were not part of the study. */
  holds: boolean | null;
  /** The measured numbers behind the verdict. */
  evidence: string;
}

export interface StudyConfig {
  preset: string;
  steps: number;
  seed: number;
  backend: string;
  mixers: string[];
  configs: ('uniform' | 'hybrid' | 'skip')[];
  placements: string[];
  /** How hybrids were evaluated with their relaxed layers skipped (absent in results saved before both were the default: 'mixer'). */
  skipModes?: ('mixer' | 'block')[];
  tasks: string[];
  /** Documents per zero-shot task. */
  limit: number;
  wikitextDocs: number;
  analysisSequences: number;
  analysisLength?: number;
  date: string;
  gitHash?: string;
  versions: Record<string, string>;
}

export interface StudyResults {
  format: 'deconattn-study/1';
  config: StudyConfig;
  runs: StudyRun[];
  pattern: PatternCheck[];
  /** Seconds spent training and evaluating every run (summed across resumptions). */
  durationSec: number;
}
