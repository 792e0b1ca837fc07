import { DeconattnError, didYouMean } from '@deconattn/core';

/**
 * Layer plans (docs/model.md §4). A preset says which layers keep `standard`; the rest get the
 * variant. Layers are numbered 1..N here (paper convention), 0-based in code elsewhere.
 */
export const PLAN_PRESETS = ['uniform', 'hybrid', 'even', '50%', 'odd', 'top', 'middle', 'bottom', '25%', 'first', 'last', 'bilateral'] as const;
export type PlanPreset = (typeof PLAN_PRESETS)[number];
export type SkipMode = 'mixer' | 'block';

export type LayerPlan =
  | { preset: PlanPreset; mixer: string; mixerOptions?: Record<string, unknown>; skip?: SkipMode }
  | { layers: string[]; mixerOptions?: Record<string, unknown>; skip?: SkipMode };

/** Is layer l (1-based) of N standard under this preset? Generalised to any depth. */
export function isStandardLayer(preset: PlanPreset, l: number, n: number): boolean {
  const half = Math.floor(n / 2);
  const quarter = Math.floor(n / 4);
  switch (preset) {
    case 'uniform':
      return false;
    case 'hybrid':
    case 'even':
    case '50%':
      return l % 2 === 0;
    case 'odd':
      return l % 2 === 1;
    case 'top': // relaxed in the upper half
      return l <= n - half;
    case 'bottom': // relaxed in the lower half
      return l > half;
    case 'middle': // relaxed in the middle half: the first and last quarter stay standard
      return l <= quarter || l > n - quarter;
    case '25%': // every fourth layer standard
      return l % 4 === 0;
    case 'first':
      return l === 1;
    case 'last':
      return l === n;
    case 'bilateral':
      return l === 1 || l === n;
  }
}

/** The 1-based standard layers of a preset at depth n. */
export function standardLayers(preset: PlanPreset, n: number): number[] {
  const out: number[] = [];
  for (let l = 1; l <= n; l++) if (isStandardLayer(preset, l, n)) out.push(l);
  return out;
}

/** The per-layer list of mixer ids, in layer order. */
export function resolvePlan(plan: LayerPlan, numLayers: number): string[] {
  validatePlan(plan);
  if ('layers' in plan) {
    if (plan.layers.length !== numLayers) {
      throw new DeconattnError(`The plan lists ${plan.layers.length} layers (${plan.layers.join(',')}), but the model has ${numLayers}: give exactly one mixer per layer, or use a preset such as 'hybrid:${plan.layers.find((m) => m !== 'standard') ?? 'mlp'}'.`);
    }
    return [...plan.layers];
  }
  const out: string[] = [];
  for (let l = 1; l <= numLayers; l++) out.push(isStandardLayer(plan.preset, l, numLayers) ? 'standard' : plan.mixer);
  return out;
}

export function validatePlan(plan: unknown): asserts plan is LayerPlan {
  if (!plan || typeof plan !== 'object') throw new DeconattnError(`A layer plan must be an object like {"preset":"hybrid","mixer":"mlp"} or {"layers":["standard","mlp"]}, got ${JSON.stringify(plan)}.`);
  const p = plan as Record<string, unknown>;
  const allowed = ['preset', 'mixer', 'layers', 'mixerOptions', 'skip'];
  for (const k of Object.keys(p)) if (!allowed.includes(k)) throw new DeconattnError(`Unknown layer-plan field '${k}'. Fields: ${allowed.join(', ')}.`);
  if (p.skip !== undefined && p.skip !== 'mixer' && p.skip !== 'block') throw new DeconattnError(`Plan 'skip' must be 'mixer' or 'block', got ${JSON.stringify(p.skip)}.`);
  if (p.mixerOptions !== undefined && (typeof p.mixerOptions !== 'object' || p.mixerOptions === null || Array.isArray(p.mixerOptions))) {
    throw new DeconattnError(`Plan 'mixerOptions' must map mixer ids to option objects, e.g. {"approximate":{"kernel":"based"}}.`);
  }
  if ('layers' in p) {
    if ('preset' in p || 'mixer' in p) throw new DeconattnError(`A plan has either 'layers' (an explicit list) or 'preset' + 'mixer', not both.`);
    if (!Array.isArray(p.layers) || p.layers.length === 0 || p.layers.some((m) => typeof m !== 'string' || m.trim() === '')) {
      throw new DeconattnError(`Plan 'layers' must be a non-empty list of mixer ids, got ${JSON.stringify(p.layers)}.`);
    }
    return;
  }
  if (!PLAN_PRESETS.includes(p.preset as PlanPreset)) {
    const hint = typeof p.preset === 'string' ? didYouMean(p.preset, PLAN_PRESETS) : undefined;
    throw new DeconattnError(`Unknown plan preset ${JSON.stringify(p.preset)}.${hint ? ` Did you mean '${hint}'?` : ''} Presets: ${PLAN_PRESETS.join(', ')}.`);
  }
  if (typeof p.mixer !== 'string' || p.mixer === '') throw new DeconattnError(`Plan preset '${String(p.preset)}' needs a 'mixer' (the relaxed variant), e.g. '${String(p.preset)}:approximate'.`);
}

/**
 * Parse a plan from the command line: `<preset>:<mixer>` (`uniform:standard`, `hybrid:approximate`,
 * `25%:non-approximate`), an explicit comma list (`standard,mlp,standard`), or JSON.
 * A single mixer id alone means uniform.
 */
export function parsePlan(text: string): LayerPlan {
  const s = text.trim();
  if (s === '') throw new DeconattnError(`Empty layer plan. Use '<preset>:<mixer>' (e.g. 'hybrid:approximate') or a comma list (e.g. 'standard,mlp').`);
  if (s.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch (e) {
      throw new DeconattnError(`The layer plan looks like JSON but does not parse: ${(e as Error).message}.`);
    }
    validatePlan(parsed);
    return parsed;
  }
  if (s.includes(':')) {
    const [preset, mixer, ...rest] = s.split(':');
    if (rest.length) throw new DeconattnError(`Bad plan '${s}': use exactly one ':' as in 'hybrid:approximate'.`);
    const plan = { preset: preset!.trim(), mixer: mixer!.trim() };
    validatePlan(plan);
    return plan;
  }
  const layers = s.split(',').map((x) => x.trim());
  if (layers.some((x) => x === '')) throw new DeconattnError(`Bad plan '${s}': an empty entry in the comma list.`);
  if (layers.length === 1) {
    if ((PLAN_PRESETS as readonly string[]).includes(layers[0]!)) throw new DeconattnError(`Plan '${s}' names a preset but no mixer: write '${s}:<mixer>', e.g. '${s}:approximate'.`);
    return { preset: 'uniform', mixer: layers[0]! };
  }
  return { layers };
}

/** A short label for a plan: `hybrid:approximate`, or the comma list. */
export function planLabel(plan: LayerPlan): string {
  const base = 'layers' in plan ? plan.layers.join(',') : `${plan.preset}:${plan.mixer}`;
  return plan.skip ? `${base}+skip-${plan.skip}` : base;
}
