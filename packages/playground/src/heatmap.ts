/**
 * An attention map (L×L, row-major, rows sum to 1) drawn one pixel per cell on a canvas, scaled
 * up by CSS. Each row is scaled to its own largest weight (row i spreads one unit over i + 1
 * keys, so one scale for the whole map would show only the first rows): colours run from dark
 * blue (0) through teal to yellow (the row's largest weight), linearly.
 */
const STOPS: [number, number, number][] = [
  [13, 8, 135],
  [84, 2, 163],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function colour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

export function drawHeatmap(canvas: HTMLCanvasElement, map: ArrayLike<number>, L: number): void {
  canvas.width = L;
  canvas.height = L;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(L, L);
  for (let i = 0; i < L; i++) {
    let max = 0;
    for (let k = 0; k <= i; k++) max = Math.max(max, map[i * L + k]!);
    for (let k = 0; k < L; k++) {
      const p = (i * L + k) * 4;
      // Above the diagonal is masked (causal): left light grey, not "zero attention".
      const [r, g, b] = k > i ? [235, 235, 235] : colour(max > 0 ? map[i * L + k]! / max : 0);
      img.data[p] = r;
      img.data[p + 1] = g;
      img.data[p + 2] = b;
      img.data[p + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
