import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, ensureBuilt, freePort, hasRedis, killAll, runCli, tmpDir } from './helpers/processes.js';

/**
 * Against a Redis that needs a password: the password works, is never printed (not in the
 * worker's banner, not in a refusal, not in a connection error), and a queue of another study
 * format is refused in one line.
 */
const PASSWORD = 'Pw-9f3k-never-printed';

describe.skipIf(!hasRedis)('deconattn worker / study --queue: passwords and formats', () => {
  let root: string;
  let redis: RedisServer;

  beforeAll(async () => {
    ensureBuilt();
    root = tmpDir('security');
    redis = new RedisServer(await freePort(), root, ['--requirepass', PASSWORD]);
    await redis.start();
  });
  afterAll(async () => {
    killAll();
    await redis?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const url = (password: string) => `redis://:${password}@127.0.0.1:${redis.port}/0`;

  it('connects with the password in the URL and prints it nowhere', async () => {
    const w = runCli(['worker', '--queue', url(PASSWORD), '--store', path.join(root, 'store')], 60_000);
    await w.waitFor(/waiting for jobs/, 50_000);
    w.child.kill('SIGTERM');
    const end = await w.exit;
    expect(end.code, w.text()).toBe(0);
    expect(w.text()).toContain(`redis://***@127.0.0.1:${redis.port}/0`);
    expect(w.text()).not.toContain(PASSWORD);
  });

  it('a wrong password: one line, redacted, for the worker and the coordinator', async () => {
    const wrong = 'Wrong-7c1d-password';
    for (const args of [
      ['worker', '--queue', url(wrong), '--store', path.join(root, 'store')],
      ['study', '--suite', 'lm', '--preset', 'tiny', '--steps', '2', '--mixers', 'mlp', '--queue', url(wrong), '--out', path.join(root, 'out')],
    ]) {
      const p = runCli(args, 60_000);
      const end = await p.exit;
      expect(end.code, p.text()).toBe(1);
      expect(p.lines.filter(Boolean)).toHaveLength(args[0] === 'study' ? 2 : 1); // the study prints its plan first
      expect(p.text()).toMatch(/^deconattn: Cannot use Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/0: .*(WRONGPASS|invalid).*--queue/m);
      expect(p.text()).not.toContain(wrong);
    }
  });

  it('refuses a queue of another study format, in one line', async () => {
    redis.cli(['SET', 'bull:deconattn-study:deconattn-format', 'deconattn-study-queue/99'], PASSWORD);
    const w = runCli(['worker', '--queue', url(PASSWORD), '--store', path.join(root, 'store')], 60_000);
    const end = await w.exit;
    expect(end.code).toBe(1);
    expect(w.lines.filter(Boolean)).toEqual([
      "deconattn: Queue 'deconattn-study' holds studies of format 'deconattn-study-queue/99', and this worker understands 'deconattn-study-queue/1' only: use the same deconattn version everywhere, or another queue (--queue-name).",
    ]);
  });
});
