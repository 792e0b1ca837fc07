/** The task registry: reads the task definitions (through the loader), compiles their templates, expands groups. */
import { DeconattnError, didYouMean } from '@deconattn/core';
import { dataAvailable, type Doc } from './data/load.js';
import { DataFileError, TaskSpecError } from './errors.js';
import { resolveLoader, type EvalDataLoader } from './loader.js';
import type { TaskSpec, ZeroShotSpec } from './spec.js';
import { compileTemplate, type CompiledTemplate, type TemplateSpec } from './template.js';

export const GROUPS = ['glue', 'super_glue', 'paper'] as const;
export type GroupName = (typeof GROUPS)[number];

// Parsed definitions, per loader (a loader's task files do not change while it is in use).
const cache = new WeakMap<EvalDataLoader, Map<string, TaskSpec>>();

/** Names of every task definition, sorted. */
export function listTasks(loader?: EvalDataLoader): string[] {
  return resolveLoader(loader).listTasks().sort();
}

export function loadTaskSpec(name: string, loader?: EvalDataLoader): TaskSpec {
  const l = resolveLoader(loader);
  let specs = cache.get(l);
  if (!specs) cache.set(l, (specs = new Map()));
  const hit = specs.get(name);
  if (hit) return hit;
  const names = listTasks(l);
  if (!names.includes(name)) {
    const dym = didYouMean(name, [...names, ...GROUPS]);
    throw new DeconattnError(`Unknown task '${name}'.${dym ? ` Did you mean '${dym}'?` : ''} Tasks: ${names.join(', ')}; groups: ${GROUPS.join(', ')}.`);
  }
  const file = `tasks/${name}.json`;
  let spec: TaskSpec;
  try {
    spec = JSON.parse(l.readTask(name)) as TaskSpec;
  } catch (e) {
    throw new TaskSpecError(name, `${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (spec.task !== name) throw new TaskSpecError(name, `${file} declares task '${spec.task}'; the file name must match.`);
  specs.set(name, spec);
  return spec;
}

/** Members of a group, in name order. */
export function groupTasks(group: GroupName, loader?: EvalDataLoader): string[] {
  const l = resolveLoader(loader);
  return listTasks(l).filter((t) => loadTaskSpec(t, l).groups.includes(group));
}

export interface TaskSelection {
  tasks: string[];
  /** Group members left out because their data is not available (explicitly named tasks error instead). */
  skipped: { task: string; reason: string }[];
  /** group → its members that were selected. */
  groups: Record<string, string[]>;
}

/**
 * Expands group names. A task named explicitly must be runnable (zero-shot or fine-tune, per
 * `protocol`); members of a group whose data is not here (mnli, qqp… without --data-dir) are skipped.
 */
export function selectTasks(names: string[], protocol: 'zeroShot' | 'finetune', dataDir?: string, loader?: EvalDataLoader): TaskSelection {
  const l = resolveLoader(loader);
  const tasks: string[] = [];
  const skipped: { task: string; reason: string }[] = [];
  const groups: Record<string, string[]> = {};
  const add = (t: string) => {
    if (!tasks.includes(t)) tasks.push(t);
  };
  for (const raw of names) {
    const name = raw.trim();
    if ((GROUPS as readonly string[]).includes(name)) {
      const members: string[] = [];
      for (const t of groupTasks(name as GroupName, l)) {
        const spec = loadTaskSpec(t, l);
        const part = spec[protocol];
        if (!part) {
          skipped.push({ task: t, reason: protocol === 'zeroShot' ? 'no zero-shot definition in lm-eval v0.4.8' : 'no fine-tuning definition' });
          continue;
        }
        const data = protocol === 'zeroShot' ? (part as ZeroShotSpec).data : (spec.finetune!.train);
        if (!dataAvailable(data, dataDir, l)) {
          skipped.push({ task: t, reason: `data not vendored; pass --data-dir with ${data.files.join(', ')}` });
          continue;
        }
        members.push(t);
        add(t);
      }
      groups[name] = members;
    } else {
      const spec = loadTaskSpec(name, l);
      if (!spec[protocol]) {
        throw new DeconattnError(
          protocol === 'zeroShot'
            ? `Task '${name}' has no zero-shot definition: ${spec.notes?.join(' ') ?? 'lm-eval v0.4.8 defines none'}. Use it with finetune.`
            : `Task '${name}' has no fine-tuning definition here (only zero-shot).`,
        );
      }
      add(name);
    }
  }
  return { tasks, skipped: skipped.filter((s) => !tasks.includes(s.task)), groups };
}

export interface CompiledZeroShot {
  spec: TaskSpec;
  zs: ZeroShotSpec;
  text: CompiledTemplate;
  target: CompiledTemplate | number;
  choices?: { fixed: CompiledTemplate[] } | { each: string; template: CompiledTemplate };
  delimiter: string;
  description: string;
}

export function compileZeroShot(spec: TaskSpec): CompiledZeroShot {
  const zs = spec.zeroShot;
  if (!zs) throw new TaskSpecError(spec.task, 'has no "zeroShot" section');
  const c = (t: TemplateSpec, where: string) => {
    try {
      return compileTemplate(t, `${spec.task}.${where}`);
    } catch (e) {
      throw new TaskSpecError(spec.task, (e as Error).message);
    }
  };
  const target = typeof zs.docToTarget === 'object' && 'value' in zs.docToTarget ? zs.docToTarget.value : c(zs.docToTarget as TemplateSpec, 'docToTarget');
  let choices: CompiledZeroShot['choices'];
  if (zs.outputType === 'multiple_choice') {
    if (!zs.docToChoice) throw new TaskSpecError(spec.task, 'a multiple_choice task needs "docToChoice"');
    choices = Array.isArray(zs.docToChoice)
      ? { fixed: zs.docToChoice.map((t, i) => c(t, `docToChoice[${i}]`)) }
      : { each: zs.docToChoice.each, template: c(zs.docToChoice.template, 'docToChoice.template') };
  }
  return { spec, zs, text: c(zs.docToText, 'docToText'), target, choices, delimiter: zs.targetDelimiter ?? ' ', description: zs.description ?? '' };
}

export interface RenderedDoc {
  /** description + doc_to_text. */
  context: string;
  /** multiple_choice: the choice strings (without the delimiter). */
  choices?: string[];
  /** multiple_choice: the gold index. */
  gold?: number;
  /** loglikelihood: the continuation; rolling: the text scored. */
  target?: string;
}

/** Renders one document as lm-eval does; a template failure names the document's file and line. */
export function renderDoc(t: CompiledZeroShot, doc: Doc): RenderedDoc {
  const lookups = t.zs.lookups ?? {};
  try {
    const context = t.description + t.text.render(doc.fields, lookups);
    if (t.zs.outputType !== 'multiple_choice') {
      const target = typeof t.target === 'number' ? String(t.target) : t.target.render(doc.fields, lookups);
      return { context, target };
    }
    let choices: string[];
    if ('fixed' in t.choices!) choices = t.choices.fixed.map((c) => c.render(doc.fields, lookups));
    else {
      const list = doc.fields[t.choices!.each];
      if (!Array.isArray(list)) throw new Error(`field '${t.choices!.each}' is not a list`);
      const tpl = t.choices!.template;
      choices = list.map((item) => tpl.render(doc.fields, lookups, item));
    }
    let gold: number;
    if (typeof t.target === 'number') gold = t.target;
    else {
      // lm-eval: a target that renders to digits is the index; otherwise it is the gold choice string.
      const s = t.target.render(doc.fields, lookups);
      gold = /^\d+$/.test(s) ? Number(s) : choices.indexOf(s);
      // ReCoRD scores against all its answers itself; its first answer need not be an entity.
      if (gold < 0 && t.zs.processResults === 'record') return { context, choices, gold };
      if (gold < 0) throw new Error(`the gold answer ${JSON.stringify(s)} is not among the choices`);
    }
    if (gold >= choices.length) throw new Error(`gold index ${gold} is out of range for ${choices.length} choices`);
    return { context, choices, gold };
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(doc.file, doc.line, `task '${t.spec.task}' cannot render this document: ${(e as Error).message}`, t.zs.data.format);
  }
}
