import { describe, expect, it } from 'vitest';
import { turnTaker } from '../src/event-loop.js';

/** A busy loop that awaits only resolved promises, like a training run on the cpu backend. */
async function busyLoop(ms: number, eachIteration: () => Promise<void>): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await Promise.resolve();
    await eachIteration();
  }
}

describe('turnTaker', () => {
  it('lets a timer fire during a long loop of resolved promises', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 10);
    await busyLoop(300, turnTaker(20));
    expect(fired).toBe(true); // read right after the loop: it fired during it
  });

  it('without it the same loop starves the timer (the failure it prevents)', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 10);
    await busyLoop(150, async () => {});
    expect(fired).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(true);
  });

  it('gives no turn before everyMs have passed', async () => {
    const take = turnTaker(10_000);
    let fired = false;
    setImmediate(() => (fired = true));
    for (let i = 0; i < 1000; i++) await take();
    expect(fired).toBe(false);
  });
});
