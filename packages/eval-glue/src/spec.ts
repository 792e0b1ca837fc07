/** The shape of a task file (tasks/<name>.json). Task definitions are data; src/ only interprets them. */
import type { TemplateSpec } from './template.js';

export interface FieldSpec {
  /** Key in the raw record (default: the field's own name). */
  from?: string;
  /** string (default), int (a number or a string of digits), float, boolInt (true/false or 0/1 → 1/0), list, any. */
  type?: 'string' | 'int' | 'float' | 'boolInt' | 'list' | 'any';
  /** Raw string value → document value (e.g. {"entailment": 0, "not_entailment": 1}). */
  map?: Record<string, number | string>;
}

export interface DataSpec {
  /** vendored: packages/eval-glue/data; dataDir: the user's --data-dir. */
  location: 'vendored' | 'dataDir';
  /** Paths relative to that directory; their documents are concatenated in this order. */
  files: string[];
  reader: 'jsonl' | 'tsv' | 'json' | 'text';
  /** tsv only. */
  header?: boolean;
  columns?: string[];
  /** A structural conversion run before the field mapping (see data/processes.ts). */
  process?: 'multircFlatten' | 'wscFixed' | 'wikitextDocuments' | 'recordDocs';
  /** Document fields; when absent the raw record (after `process`) is the document. */
  fields?: Record<string, FieldSpec | string>;
  /** What the file must look like, for error messages. */
  format: string;
  /** Where a user gets the file (dataDir tasks). */
  obtain?: string;
}

export interface MetricSpec {
  metric: string;
  aggregation: string;
  higherIsBetter: boolean;
  /** false for metrics we add that lm-eval v0.4.8's task does not report. */
  lmEval?: boolean;
}

export type OutputType = 'multiple_choice' | 'loglikelihood' | 'loglikelihood_rolling';

export interface ZeroShotSpec {
  outputType: OutputType;
  /** lm-eval's name of the evaluation split ("validation", "test", "validation_matched"). */
  split: string;
  data: DataSpec;
  description?: string;
  docToText: TemplateSpec;
  /** multiple_choice: a template rendering the gold index (digits) or the gold choice string, or a constant index. loglikelihood: the continuation. rolling: the text scored. */
  docToTarget: TemplateSpec | { value: number };
  /** multiple_choice: a fixed list of choice templates, or one template applied to each element of a list field. */
  docToChoice?: TemplateSpec[] | { each: string; template: TemplateSpec };
  /** Default " ". */
  targetDelimiter?: string;
  lookups?: Record<string, Record<string, string>>;
  /** The task's headline metric first (the one a summary shows, e.g. acc; LAMBADA: perplexity), then the others. */
  metrics: MetricSpec[];
  /** ReCoRD's own process_results (argmax entity, max F1/EM over gold answers). */
  processResults?: 'record';
  /** rolling: the field whose original text gives the word and byte counts. */
  unitsField?: string;
  /** MultiRC: field path that identifies the question, for exact match over its answers. */
  questionKey?: string;
}

export interface FinetuneSpec {
  train: DataSpec;
  /** A larger train file read from --data-dir when present (BoolQ: the vendored train has 32 examples). */
  fullTrain?: DataSpec;
  /** The held-out evaluation data; defaults to zeroShot.data. */
  validation?: DataSpec;
  /**
   * classify: one text (pair) → numLabels classes. regress: one text pair → a score (STS-B).
   * choice: one text pair per candidate, softmax over candidates (COPA).
   */
  kind: 'classify' | 'regress' | 'choice';
  /** The text segments encoded for one example (classify/regress) or one candidate (choice, `item` = the candidate). */
  inputs: TemplateSpec[];
  /** choice: the candidate list (templates rendered per document). */
  candidates?: TemplateSpec[];
  label: string;
  numLabels?: number;
  lookups?: Record<string, Record<string, string>>;
  /** Official metrics of the task (EVAL.md), in the order they are reported. */
  metrics: string[];
  /** MultiRC: field path identifying the question, for exact match. */
  questionKey?: string;
}

export interface TaskSpec {
  task: string;
  version: number;
  /** lm-eval's tag(s), recorded in the configs block. */
  tags: string[];
  /** This package's groups the task belongs to (glue, super_glue, paper). */
  groups: string[];
  /** lm-eval's dataset_path / dataset_name, for the configs block. */
  dataset: { path: string; name: string | null };
  licence: string;
  /** The official metrics (EVAL.md) whose mean is the task's score in a GLUE/SuperGLUE-style average; [] = not averaged. */
  score: string[];
  /** Tasks sharing a unit count once in a group average, with the mean of their scores (MNLI matched/mismatched). */
  scoreUnit?: string;
  nonCommercial?: boolean;
  notes?: string[];
  zeroShot?: ZeroShotSpec;
  finetune?: FinetuneSpec;
}
