export { renderAccuracyHeatmap, viridis, escapeXml, type HeatmapCell, type HeatmapInput } from './heatmap.js';
export { paperDecodingState, measureDecodingState, type DecodingStateSize, type EfficiencyFigures } from './efficiency.js';
