/**
 * Fine-tuning examples: task documents rendered into text segments, tokenised as
 * `seg₁ <eos> seg₂ <eos>` (the final EOS is where the classifier reads the causal model's state),
 * with longest-first truncation to the sequence budget, and the label each task defines.
 */
import { DeconattnError } from '@deconattn/core';
import type { Doc } from '../data/load.js';
import { DataFileError, TaskSpecError } from '../errors.js';
import type { EvalTokenizer } from '../model.js';
import type { FinetuneSpec, TaskSpec } from '../spec.js';
import { compileTemplate, type CompiledTemplate } from '../template.js';

export interface Example {
  /** One token sequence (classify/regress) or one per candidate (choice). */
  sequences: number[][];
  /** Class index, candidate index or regression target. */
  label: number;
  /** MultiRC: the question the example belongs to. */
  group?: string;
}

/** Joins the segments with EOS after each, trimming the longest segment first until it fits. */
export function encodeSegments(tok: EvalTokenizer, segments: string[], maxLen: number): number[] {
  const segs = segments.map((s) => tok.encode(s));
  const budget = maxLen - segs.length;
  if (budget < 0) throw new DeconattnError(`a sequence budget of ${maxLen} tokens cannot hold the ${segs.length} end-of-segment tokens; use a longer maxSeqLength.`);
  let total = segs.reduce((n, s) => n + s.length, 0);
  // HF "longest_first": drop one token at a time from the end of the currently longest segment.
  for (; total > budget; total--) {
    let longest = 0;
    for (let i = 1; i < segs.length; i++) if (segs[i]!.length > segs[longest]!.length) longest = i;
    segs[longest]!.pop();
  }
  return segs.flatMap((s) => [...s, tok.eosId]);
}

export interface CompiledFinetune {
  spec: TaskSpec;
  ft: FinetuneSpec;
  inputs: CompiledTemplate[];
  candidates: CompiledTemplate[];
  /** Number of outputs of the head: classes, or 1 (regress, choice). */
  outputs: number;
}

export function compileFinetune(spec: TaskSpec): CompiledFinetune {
  const ft = spec.finetune;
  if (!ft) throw new TaskSpecError(spec.task, 'has no "finetune" section');
  const c = (t: Parameters<typeof compileTemplate>[0], where: string) => {
    try {
      return compileTemplate(t, `${spec.task}.finetune.${where}`);
    } catch (e) {
      throw new TaskSpecError(spec.task, (e as Error).message);
    }
  };
  if (ft.kind === 'classify' && !(ft.numLabels! >= 2)) throw new TaskSpecError(spec.task, 'a "classify" fine-tune needs numLabels ≥ 2');
  if (ft.kind === 'choice' && !ft.candidates?.length) throw new TaskSpecError(spec.task, 'a "choice" fine-tune needs "candidates"');
  return {
    spec,
    ft,
    inputs: ft.inputs.map((t, i) => c(t, `inputs[${i}]`)),
    candidates: (ft.candidates ?? []).map((t, i) => c(t, `candidates[${i}]`)),
    outputs: ft.kind === 'classify' ? ft.numLabels! : 1,
  };
}

export function toExample(t: CompiledFinetune, doc: Doc, tok: EvalTokenizer, maxLen: number): Example {
  const lookups = t.ft.lookups ?? {};
  try {
    const raw = doc.fields[t.ft.label];
    if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new Error(`label field '${t.ft.label}' is ${JSON.stringify(raw)}, not a number`);
    let sequences: number[][];
    if (t.ft.kind === 'choice') {
      const cands = t.candidates.map((c) => c.render(doc.fields, lookups));
      sequences = cands.map((item) => encodeSegments(tok, t.inputs.map((i) => i.render(doc.fields, lookups, item)), maxLen));
      if (!Number.isInteger(raw) || raw < 0 || raw >= cands.length) throw new Error(`label ${raw} is not a candidate index (0..${cands.length - 1})`);
    } else {
      sequences = [encodeSegments(tok, t.inputs.map((i) => i.render(doc.fields, lookups)), maxLen)];
      if (t.ft.kind === 'classify' && (!Number.isInteger(raw) || raw < 0 || raw >= t.outputs)) throw new Error(`label ${raw} is not a class index (0..${t.outputs - 1})`);
    }
    const group = t.ft.questionKey ? String(doc.fields[t.ft.questionKey]) : undefined;
    return { sequences, label: raw, group };
  } catch (e) {
    if (e instanceof DataFileError || e instanceof DeconattnError) throw e;
    throw new DataFileError(doc.file, doc.line, `task '${t.spec.task}' cannot build a fine-tuning example: ${(e as Error).message}`, t.ft.train.format);
  }
}
