import { DeconattnError, getMixer, hasMixer } from '@deconattn/core';
import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { PLAN_PRESETS, type LayerPlan, type PlanPreset } from '@deconattn/hybrid';
import type { RunGroup } from './types.js';

/** The relaxed mixers the study compares by default: the paper's six, in its order. */
export const RELAXED: readonly string[] = RELAXED_MIXER_IDS;
export const CONFIGS = ['uniform', 'hybrid', 'skip'] as const;
export type StudyConfigName = (typeof CONFIGS)[number];

/** One model to train (skip runs are evaluations of a trained hybrid, listed with it). */
export interface RunSpec {
  id: string;
  label: string;
  group: RunGroup;
  mixer: string;
  placement: string;
  plan: LayerPlan;
  /** Skip modes to evaluate after training (hybrid runs). */
  skips: ('mixer' | 'block')[];
}

/**
 * The paper's "skip" reads two ways (docs/model.md §4): drop the relaxed layers' mixer sublayers, or
 * their whole blocks. The study evaluates every hybrid both ways by default and reports them side by side.
 */
export const DEFAULT_SKIP_MODES: readonly ('mixer' | 'block')[] = ['mixer', 'block'];

export function skipRunId(id: string, mode: 'mixer' | 'block'): string {
  return mode === 'mixer' ? `${id}-skip` : `${id}-skip-block`;
}

/** `hybrid-skip mlp (mixer)`, `hybrid-skip mlp (block)`: adjacent rows of the table, told apart by the mode. */
export function skipRunLabel(mixer: string, mode: 'mixer' | 'block'): string {
  return `hybrid-skip ${mixer} (${mode})`;
}

/**
 * The runs of a study: standard (uniform), each mixer uniform and hybrid (docs/model.md §4), each
 * hybrid also evaluated with its relaxed layers skipped, and any extra placements (the paper's
 * ablation: first, last, bilateral, 25%, …).
 */
export function studyRuns(mixers: string[], configs: StudyConfigName[], placements: string[], skipModes: readonly ('mixer' | 'block')[] = DEFAULT_SKIP_MODES): RunSpec[] {
  for (const c of configs) if (!CONFIGS.includes(c)) throw new DeconattnError(`Unknown study configuration '${c}'. Use ${CONFIGS.join(', ')}.`);
  for (const p of placements) {
    if (!(PLAN_PRESETS as readonly string[]).includes(p) || p === 'uniform') throw new DeconattnError(`Unknown placement '${p}'. Placements: ${PLAN_PRESETS.filter((x) => x !== 'uniform').join(', ')}.`);
  }
  if (configs.includes('skip') && !configs.includes('hybrid')) throw new DeconattnError(`'skip' evaluates trained hybrids: add 'hybrid' to --configs.`);
  for (const m of skipModes) if (m !== 'mixer' && m !== 'block') throw new DeconattnError(`Unknown skip mode '${m}'. Skip modes: mixer (drop the relaxed mixer sublayers), block (drop the relaxed layers' whole blocks).`);
  if (configs.includes('skip') && !skipModes.length) throw new DeconattnError(`'skip' needs at least one skip mode (--skip-modes mixer,block).`);
  const runs: RunSpec[] = [{ id: 'standard', label: 'standard', group: 'baseline', mixer: 'standard', placement: 'uniform', plan: { preset: 'uniform', mixer: 'standard' }, skips: [] }];
  // The baseline run is always there; a baseline mixer in the list (standard) adds nothing to compare.
  const relaxed = mixers.filter((m) => !(hasMixer(m) && getMixer(m).role === 'baseline'));
  if (configs.includes('uniform')) for (const m of relaxed) runs.push({ id: `uniform-${m}`, label: `uniform ${m}`, group: 'uniform', mixer: m, placement: 'uniform', plan: { preset: 'uniform', mixer: m }, skips: [] });
  if (configs.includes('hybrid')) {
    for (const m of relaxed) {
      runs.push({ id: `hybrid-${m}`, label: `hybrid ${m}`, group: 'hybrid', mixer: m, placement: 'hybrid', plan: { preset: 'hybrid', mixer: m }, skips: configs.includes('skip') ? [...skipModes] : [] });
    }
  }
  for (const p of placements) {
    if (p === 'hybrid' && configs.includes('hybrid')) continue;
    const safe = p.replace('%', 'pct');
    for (const m of relaxed) runs.push({ id: `${safe}-${m}`, label: `${p} ${m}`, group: 'placement', mixer: m, placement: p, plan: { preset: p as PlanPreset, mixer: m }, skips: [] });
  }
  return runs;
}
