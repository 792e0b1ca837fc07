/**
 * The results file, shaped like lm-eval v0.4.8's (results / groups / group_subtasks / configs /
 * versions / n-shot / higher_is_better / n-samples / config / git_hash / date …) so tools that read
 * the harness's output read ours; fine-tuning uses the same shape. Plus the Markdown table.
 */
import type { ScoringModel } from './model.js';
import type { MetricSpec, TaskSpec } from './spec.js';
import type { CompiledZeroShot, TaskSelection } from './tasks.js';

export interface MetricOutcome {
  metric: string;
  value: number;
  stderr: number | 'N/A';
  higherIsBetter: boolean;
}

export interface TaskOutcome {
  spec: TaskSpec;
  /** The task's entry in "configs". */
  config: Record<string, unknown>;
  metrics: MetricOutcome[];
  /** Documents in the evaluation split, and how many were evaluated (--limit). */
  original: number;
  effective: number;
}

export type MetricValue = number | string | null;

export interface LmEvalResults {
  results: Record<string, Record<string, MetricValue>>;
  groups: Record<string, Record<string, MetricValue>>;
  group_subtasks: Record<string, string[]>;
  configs: Record<string, Record<string, unknown>>;
  versions: Record<string, number>;
  'n-shot': Record<string, number>;
  higher_is_better: Record<string, Record<string, boolean>>;
  'n-samples': Record<string, { original: number; effective: number }>;
  config: Record<string, unknown>;
  git_hash: string | null;
  date: number;
  [key: string]: unknown;
}

const templateSource = (t: unknown) => (typeof t === 'object' && t !== null && 'template' in t ? (t as { template: string }).template : t);

/** The configs entry lm-eval writes for a task (our templates stand where its Jinja/functions are). */
export function zeroShotConfig(t: CompiledZeroShot): Record<string, unknown> {
  const { spec, zs } = t;
  const choice = zs.docToChoice;
  return {
    task: spec.task,
    tag: spec.tags,
    dataset_path: spec.dataset.path,
    dataset_name: spec.dataset.name,
    [zs.split === 'test' ? 'test_split' : 'validation_split']: zs.split,
    doc_to_text: templateSource(zs.docToText),
    doc_to_target: typeof zs.docToTarget === 'object' && 'value' in zs.docToTarget ? zs.docToTarget.value : templateSource(zs.docToTarget),
    ...(choice ? { doc_to_choice: Array.isArray(choice) ? choice.map(templateSource) : { each: choice.each, template: templateSource(choice.template) } } : {}),
    description: t.description,
    target_delimiter: t.delimiter,
    fewshot_delimiter: '\n\n',
    num_fewshot: 0,
    metric_list: zs.metrics.map((m: MetricSpec) => ({ metric: m.metric, aggregation: m.aggregation, higher_is_better: m.higherIsBetter })),
    output_type: zs.outputType,
    repeats: 1,
    should_decontaminate: false,
    metadata: { version: spec.version },
    data_files: zs.data.files,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A task's score (mean of its official metrics), or undefined when it has none / they are missing. */
export function taskScore(o: TaskOutcome): number | undefined {
  const vals = o.spec.score.map((m) => o.metrics.find((x) => x.metric === m)?.value);
  if (vals.length === 0 || vals.some((v) => v === undefined || !Number.isFinite(v))) return undefined;
  return mean(vals as number[]);
}

/** GLUE/SuperGLUE-style average over the group's tasks (tasks sharing a scoreUnit count once). */
export function groupScore(outcomes: TaskOutcome[]): { score: number; units: string[] } | undefined {
  const units = new Map<string, number[]>();
  for (const o of outcomes) {
    const s = taskScore(o);
    if (s === undefined) continue;
    const u = o.spec.scoreUnit ?? o.spec.task;
    units.set(u, [...(units.get(u) ?? []), s]);
  }
  if (units.size === 0) return undefined;
  return { score: mean([...units.values()].map(mean)), units: [...units.keys()] };
}

export interface BuildResultsInput {
  protocol: 'zero-shot' | 'finetune';
  model: Pick<ScoringModel, 'tokenizer' | 'maxLength' | 'checksum' | 'description'>;
  outcomes: TaskOutcome[];
  selection: TaskSelection;
  limit?: number;
  bootstrapIters: number;
  batchSize: number;
  cacheDir?: string;
  /** Per task, how many of its scored requests came from the answer cache (recorded as config.cached_requests). */
  cachedRequests?: Record<string, number>;
  gitHash?: string;
  modelName?: string;
  startMs: number;
  endMs: number;
  /** Extra keys for the top-level object (fine-tuning: seeds, hyper-parameters). */
  extra?: Record<string, unknown>;
}

const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** lm-eval's sanitize_model_name (the name of its output folder). */
export function sanitizeModelName(name: string): string {
  return name.replace(/["<>:/|\\?*[\]]+/g, '__');
}

export function buildResults(inp: BuildResultsInput): LmEvalResults {
  const results: LmEvalResults['results'] = {};
  const configs: LmEvalResults['configs'] = {};
  const versions: LmEvalResults['versions'] = {};
  const nshot: LmEvalResults['n-shot'] = {};
  const hib: LmEvalResults['higher_is_better'] = {};
  const nsamples: LmEvalResults['n-samples'] = {};
  const groupSubtasks: LmEvalResults['group_subtasks'] = {};
  for (const o of inp.outcomes) {
    const t = o.spec.task;
    const row: Record<string, MetricValue> = { alias: t };
    hib[t] = {};
    for (const m of o.metrics) {
      row[`${m.metric},none`] = jsonNumber(m.value);
      row[`${m.metric}_stderr,none`] = m.stderr === 'N/A' ? 'N/A' : jsonNumber(m.stderr);
      hib[t]![m.metric] = m.higherIsBetter;
    }
    results[t] = row;
    configs[t] = o.config;
    versions[t] = o.spec.version;
    nshot[t] = 0;
    nsamples[t] = { original: o.original, effective: o.effective };
    groupSubtasks[t] = [];
  }
  const groups: LmEvalResults['groups'] = {};
  for (const [g, members] of Object.entries(inp.selection.groups)) {
    const outs = inp.outcomes.filter((o) => members.includes(o.spec.task));
    groupSubtasks[g] = outs.map((o) => o.spec.task);
    const s = groupScore(outs);
    if (!s) continue;
    groups[g] = { alias: g, 'score,none': s.score, 'score_stderr,none': 'N/A' };
    results[g] = groups[g]!;
  }
  const d = inp.model.description;
  const tok = inp.model.tokenizer;
  const decode = (id: number) => {
    try {
      return tok.decode([id]);
    } catch {
      return null;
    }
  };
  const modelName = inp.modelName ?? (typeof d.name === 'string' ? d.name : 'deconattn');
  const numParameters = d.num_parameters ?? d.numParameters ?? d.parameters ?? null;
  return {
    results,
    groups,
    group_subtasks: groupSubtasks,
    configs,
    versions,
    'n-shot': nshot,
    higher_is_better: hib,
    'n-samples': nsamples,
    config: {
      model: 'deconattn',
      model_args: JSON.stringify(d),
      model_num_parameters: numParameters as unknown,
      model_dtype: (d.dtype ?? 'float32') as unknown,
      model_revision: null,
      model_sha: inp.model.checksum,
      batch_size: inp.batchSize,
      batch_sizes: [],
      device: (d.backend ?? null) as unknown,
      use_cache: inp.cacheDir ?? null,
      // Not in lm-eval: answers taken from the cache instead of computed, per task (0 = all computed).
      cached_requests: inp.cachedRequests ?? {},
      limit: inp.limit ?? null,
      bootstrap_iters: inp.bootstrapIters,
      gen_kwargs: null,
      random_seed: 0,
      numpy_seed: 1234,
      torch_seed: 1234,
      fewshot_seed: 1234,
    },
    git_hash: inp.gitHash ?? null,
    date: inp.startMs / 1000,
    // lm-eval's add_env_info: there is no Python environment to describe.
    pretty_env_info: null,
    transformers_version: null,
    lm_eval_version: null,
    upper_git_hash: null,
    // Batches are padded with EOS, which is what HFLM falls back to for a tokenizer without a pad token.
    tokenizer_pad_token: [decode(tok.eosId), String(tok.eosId)],
    tokenizer_eos_token: [decode(tok.eosId), String(tok.eosId)],
    tokenizer_bos_token: [decode(tok.bosId), String(tok.bosId)],
    eot_token_id: tok.eosId,
    max_length: inp.model.maxLength,
    // lm-eval's EvaluationTracker block (zero-shot, no chat template, no system instruction).
    task_hashes: {},
    model_source: 'deconattn',
    model_name: modelName,
    model_name_sanitized: sanitizeModelName(modelName),
    system_instruction: null,
    system_instruction_sha: null,
    fewshot_as_multiturn: false,
    chat_template: null,
    chat_template_sha: null,
    start_time: inp.startMs / 1000,
    end_time: inp.endMs / 1000,
    total_evaluation_time_seconds: String((inp.endMs - inp.startMs) / 1000),
    deconattn: {
      protocol: inp.protocol,
      model: d,
      tokenizer: tok.kind,
      skipped_tasks: inp.selection.skipped,
      non_commercial_data: inp.outcomes.filter((o) => o.spec.nonCommercial).map((o) => o.spec.task),
      ...inp.extra,
    },
  };
}

const fmt = (v: MetricValue) => (typeof v === 'number' ? v.toFixed(4) : v === null ? 'NaN' : v);

/** lm-eval's results table (make_table) in Markdown, then the groups table. */
export function resultsToMarkdown(r: LmEvalResults): string {
  const head = ['Tasks', 'Version', 'Filter', 'n-shot', 'Metric', '', 'Value', '', 'Stderr'];
  const align = ['---', '------:', '------', '-----:', '------', '---', '-----:', '---', '-----:'];
  const rows: string[][] = [];
  for (const [task, row] of Object.entries(r.results)) {
    if (task in r.groups) continue;
    let first = true;
    for (const [k, v] of Object.entries(row)) {
      if (k === 'alias' || k.includes('_stderr,')) continue;
      const metric = k.split(',')[0]!;
      const se = row[`${metric}_stderr,none`];
      const up = r.higher_is_better[task]?.[metric];
      rows.push([
        first ? task : '',
        first ? String(r.versions[task] ?? '') : '',
        'none',
        String(r['n-shot'][task] ?? 0),
        metric,
        up === undefined ? '' : up ? '↑' : '↓',
        fmt(v),
        se === undefined ? '' : '±',
        se === undefined ? '' : fmt(se),
      ]);
      first = false;
    }
  }
  const table = (h: string[], a: string[], rs: string[][]) => [h, a, ...rs].map((cells) => `|${cells.join('|')}|`).join('\n');
  let out = table(head, align, rows) + '\n';
  const g = Object.entries(r.groups);
  if (g.length) {
    const grows = g.map(([name, row]) => [name, (r.group_subtasks[name] ?? []).join(', '), 'score', fmt(row['score,none'] ?? null)]);
    out += '\n' + table(['Groups', 'Tasks', 'Metric', 'Value'], ['---', '---', '------', '-----:'], grows) + '\n';
  }
  return out;
}
