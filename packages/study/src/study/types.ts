import type { LayerPlan, ModelAnalysis, StepLog } from '@deconattn/hybrid';
import type { Interval, SyntheticSuiteResults, SyntheticSuiteConfig, Verdict, ClaimJudgement, ClaimId } from '@deconattn/tasks-synthetic';

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
  /** Mean loss of each held-out window (the items of a paired bootstrap between two models; absent in results saved before it was kept). */
  valWindowLosses?: number[];
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
  /** Seed of weights and data order (absent in results saved before a study had seeds: the config's seed). */
  seed?: number;
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
  /** The suites run (absent in results saved before the synthetic suite: the language-model suite alone). */
  suites?: StudySuite[];
  /** Every model is trained once per seed (absent: `[seed]`). */
  seeds?: number[];
  /** The synthetic suite's settings, when it ran. */
  synthetic?: SyntheticSuiteConfig;
  date: string;
  gitHash?: string;
  versions: Record<string, string>;
}

/** The study's two halves: the language-model comparison and the synthetic recall tasks. */
export type StudySuite = 'lm' | 'synthetic';

/** One model of the language-model suite over its seeds: every figure a mean with its 95 % interval. */
export interface ModelSummary {
  id: string;
  label: string;
  group: RunGroup;
  mixer: string;
  /** Seeds trained, and how many of them diverged or failed. */
  seeds: number;
  notOk: number;
  /** Held-out perplexity: geometric mean over seeds (exp of the mean loss), interval from the t interval of the loss. With one seed: a bootstrap over held-out windows (test noise only). */
  valPerplexity: Interval | null;
  valLoss: Interval | null;
  /** WikiText word perplexity: over seeds a geometric mean with the t interval of its logarithm (always positive). */
  wikitext: Interval | null;
  /** Zero-shot scores by task: t over seeds; one seed: Wilson (accuracies) or the task's stderr (perplexities). */
  tasks: Record<string, Interval>;
  nluAverage: Interval | null;
}

/** The paper's Table 1 WikiText perplexity against this study's, as a rank correlation. */
export interface RankCorrelation {
  /** Spearman's ρ (average ranks for ties; a diverged model ranks worst). */
  spearman: number;
  /** Models compared. */
  n: number;
  /** Two-sided p-value of ρ = 0 (t approximation, n − 2 degrees of freedom); null below 3 models. */
  p: number | null;
  /** 95 % interval of ρ (Fisher z with Fieller's variance 1.06 / (n − 3)); null below 4 models. */
  lo: number | null;
  hi: number | null;
  /** Which of our perplexities was ranked. */
  ours: 'wikitext word perplexity' | 'held-out perplexity';
  models: { id: string; paper: number; ours: number }[];
}

/** One of the paper's five findings judged on each suite that measured it. */
export interface StudyClaim {
  id: ClaimId;
  claim: string;
  /** On held-out loss of the language-model suite (null when its runs were not part of the study). */
  lm: { verdict: Verdict | null; parts: ClaimJudgement[] } | null;
  /** On each synthetic task rung. */
  synthetic: { task: string; rung: string; verdict: Verdict | null; parts: ClaimJudgement[] }[];
}

export interface StudyResults {
  format: 'deconattn-study/1';
  config: StudyConfig;
  /** Every run of the language-model suite at every seed. */
  runs: StudyRun[];
  /** The paper's pattern on the first seed's numbers (point estimates; `claims` has the verdicts with uncertainty). */
  pattern: PatternCheck[];
  /** Per model over seeds (language-model suite). */
  summary?: ModelSummary[];
  /** The paper's five findings with their uncertainty, per suite. */
  claims?: StudyClaim[];
  /** Spearman against the paper's Table 1 WikiText perplexity (null without enough models in both). */
  rankCorrelation?: RankCorrelation | null;
  /** The synthetic suite's results, when it ran. */
  synthetic?: SyntheticSuiteResults;
  /** Seconds spent training and evaluating every run (summed across resumptions). */
  durationSec: number;
}
