/**
 * Long loops of tfjs work on the cpu and wasm backends await only promises that are already
 * resolved, so they never give the event loop a turn: timers (a job queue's lock renewal, a
 * progress bar) and signal handlers would wait until the loop ends. `turnTaker()` returns a
 * function to await once per iteration; it yields a real turn (setImmediate in Node, a zero
 * timeout elsewhere) when `everyMs` have passed since the last one, so it costs nothing
 * measurable.
 */
export function turnTaker(everyMs = 50): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
    last = performance.now();
  };
}
