import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Loss curves of every model trained on the page, drawn together (uPlot). */
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

export interface Curve {
  label: string;
  points: [number, number][];
}

export class LossChart {
  private plot: uPlot | undefined;
  private labels: string[] = [];

  constructor(private readonly host: HTMLElement) {}

  update(curves: Curve[]): void {
    const labels = curves.map((c) => c.label);
    const steps = Math.max(1, ...curves.map((c) => c.points.at(-1)?.[0] ?? 0));
    const xs = Array.from({ length: steps }, (_, i) => i + 1);
    const ys = curves.map((c) => {
      const y: (number | null)[] = new Array(steps).fill(null);
      for (const [s, l] of c.points) y[s - 1] = l;
      return y;
    });
    const data = [xs, ...ys] as uPlot.AlignedData;
    if (!this.plot || labels.join('\n') !== this.labels.join('\n')) {
      this.plot?.destroy();
      this.labels = labels;
      this.plot = new uPlot(
        {
          width: Math.max(320, this.host.clientWidth || 640),
          height: 260,
          scales: { x: { time: false } },
          axes: [{ label: 'step' }, { label: 'training loss (nats/token)' }],
          series: [{ label: 'step' }, ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: true }))],
        },
        data,
        this.host,
      );
    } else this.plot.setData(data);
  }
}
