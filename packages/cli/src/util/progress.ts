import cliProgress from 'cli-progress';

/** A progress bar on stderr (so stdout stays machine-readable) with a rate, or plain lines when not a TTY. */
export function progressBar(label: string, unit: string): { update(done: number, total: number): void; stop(): void } {
  const tty = !!process.stderr.isTTY;
  const t0 = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  return {
    update(done, total) {
      const rate = done / Math.max(1e-3, (performance.now() - t0) / 1000);
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
          bar.start(total, 0, { rate: '0' });
        }
        bar.setTotal(total);
        bar.update(done, { rate: rate.toFixed(1) });
      } else if (done === total || performance.now() - lastLine > 5000) {
        lastLine = performance.now();
        process.stderr.write(`${label}: ${done}/${total} ${unit} (${rate.toFixed(1)} ${unit}/s)\n`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
