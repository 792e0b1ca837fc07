import type { StudyRun } from '../study/types.js';

/**
 * One colour per run, the same in every chart of a report. The hue says the mixer (Tableau 10),
 * the shade says the comparison: uniform full colour, hybrid darker, hybrid-skip pale, so
 * "uniform mlp" and "hybrid mlp" read as relatives. Standard is near-black everywhere.
 */
export const STANDARD_COLOR = '#222222';

const MIXER_HUES: Record<string, string> = {
  mlp: '#e15759',
  approximate: '#4e79a7',
  'non-approximate': '#f28e2b',
  'rnd-emb-qk': '#59a14f',
  'fixed-seq-qk': '#b07aa1',
  'static-emb-qk': '#76b7b2',
};
/** Hues for mixers the paper does not have (third-party plugins), in order of appearance. */
const EXTRA_HUES = ['#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#8c564b', '#17becf'];
/** Placement runs (the ablation) are many per mixer: they get their own distinct colours. */
const PLACEMENT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94'];

/** Mix a #rrggbb colour toward another by t ∈ [0,1]. */
function mix(color: string, toward: string, t: number): string {
  const parse = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const a = parse(color);
  const b = parse(toward);
  return `#${a.map((v, i) => Math.round(v + (b[i]! - v) * t).toString(16).padStart(2, '0')).join('')}`;
}

export function runColors(runs: StudyRun[]): Map<string, string> {
  const extra = new Map<string, string>();
  const hue = (mixer: string) => {
    if (MIXER_HUES[mixer]) return MIXER_HUES[mixer]!;
    if (!extra.has(mixer)) extra.set(mixer, EXTRA_HUES[extra.size % EXTRA_HUES.length]!);
    return extra.get(mixer)!;
  };
  const out = new Map<string, string>();
  let placements = 0;
  for (const run of runs) {
    let c: string;
    if (run.group === 'baseline' || run.mixer === 'standard') c = STANDARD_COLOR;
    else if (run.group === 'placement') c = PLACEMENT_COLORS[placements++ % PLACEMENT_COLORS.length]!;
    else if (run.group === 'hybrid') c = mix(hue(run.mixer), '#000000', 0.3);
    else if (run.group === 'hybrid-skip') c = mix(hue(run.mixer), '#ffffff', 0.45);
    else c = hue(run.mixer);
    out.set(run.id, c);
  }
  return out;
}
