import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Vega-Lite → static SVG in Node: compile to Vega, run a headless view (no canvas, no DOM) and
 * serialise its scene graph. The SVG carries no scripts and no external references, so the report
 * opens offline.
 */

/** Fonts every desktop has; the report never loads a web font. */
export const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, DejaVu Sans, sans-serif';

/** Shared look: readable font sizes, light grid, no chart border. */
export const BASE_CONFIG = {
  font: FONT,
  view: { stroke: '#d0d0d0' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#ececec' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 260, symbolStrokeWidth: 2.5 },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'bold' },
  title: { fontSize: 13, fontWeight: 'bold', anchor: 'start' },
  // Missing points (a layer without attention map, a run that stopped) break a line, never join it.
  mark: { invalid: 'break-paths-show-domains' },
} as const;

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...BASE_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new View(parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One chart of the report: its anchor id, heading, caption (plain text) and Vega-Lite spec. */
export interface Chart {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}
