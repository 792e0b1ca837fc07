import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOp, ensureBuilt, findOp, jsonDifferences, readTrace, runCli, runKillPoints, type IoOp, type KillPoint } from './helpers/kill.js';

/**
 * `kill -9` of a real `deconattn study` while a run trains, while a model is evaluated and while
 * the results are written; the same command again then finishes the study, and its results.json
 * must equal an uninterrupted study's (timings and dates aside). Moments come from the writes of
 * an uninterrupted study (see kill-train.test.ts); `pnpm test:kill` adds DECONATTN_KILL_POINTS
 * random ones.
 */
const RANDOM_POINTS = Number(process.env.DECONATTN_KILL_POINTS || 0);
const SEED = Number(process.env.DECONATTN_KILL_SEED || Date.now() % 100_000);
// A micro study: standard and hybrid mlp (+ its skip evaluation), 4 steps, one zero-shot task.
const STUDY = ['study', '--suite', 'lm', '--preset', 'tiny', '--steps', '4', '--mixers', 'mlp', '--configs', 'hybrid,skip', '--tasks', 'copa', '--limit', '4', '--wikitext-docs', '0', '--analysis-sequences', '1', '--backend', 'wasm'];

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `deconattn-kill-${p}-`));
const stepOne = (run: number) => new RegExp(`^\\[${run}/2 [^\\]]+\\] step 1/4`);

let reference: unknown;
let trace: IoOp[];
let msPerStep: number;

/**
 * The fixed set. CI runs the three moments the issue names (a run training, a model evaluated,
 * results.json written); `pnpm test:kill` adds a checkpoint save inside the study (kill-train
 * covers those in CI), a skip evaluation's result and the report.
 */
function ciPoints(): KillPoint[] {
  const at = (what: string, op: IoOp, torn = false, scriptOnly = false): KillPoint => ({ what: `${what}: ${torn ? 'in the middle of' : 'before'} ${describeOp(op)}`, kills: [{ killAt: op.i, torn }], scriptOnly });
  return [
    { what: 'while standard trains (half a step after its step 1 was printed)', kills: [{ killAfterLine: { line: stepOne(1), count: 1, delayMs: Math.round(msPerStep / 2) } }] },
    at('while hybrid mlp trains, saving its checkpoint', findOp(trace, 'write', /runs\/hybrid-mlp\/checkpoints\/\.step-\d+\.tmp-[^/]+\/model\.safetensors$/), true, true),
    at('while standard is evaluated, caching zero-shot answers', findOp(trace, 'appendFile', /\.eval-cache\/answers-.*\.jsonl$/), true),
    at('while hybrid mlp is evaluated with its relaxed layer skipped', findOp(trace, 'writeFile', /runs\/hybrid-mlp-skip\/result\.json\.tmp-/), true, true),
    at('while results.json is written', findOp(trace, 'writeFile', /^s\/results\.json\.tmp-/), true),
    at('while the report is written (results.json already replaced)', findOp(trace, 'rename', /^s\/report\.html$/), false, true),
  ];
}

function randomPoint(rand: () => number): KillPoint {
  if (rand() < 0.6) {
    const op = trace[Math.floor(rand() * trace.length)]!;
    const torn = rand() < 0.5;
    return { what: `random write: ${torn ? 'in the middle of' : 'before'} ${describeOp(op)}`, kills: [{ killAt: op.i, torn }] };
  }
  const run = 1 + Math.floor(rand() * 2);
  const delayMs = Math.round(rand() * 3 * msPerStep);
  return { what: `random time: ${delayMs} ms after run ${run} logged step 1`, kills: [{ killAfterLine: { line: stepOne(run), count: 1, delayMs } }] };
}

async function tryPoint(p: KillPoint): Promise<{ killed: boolean; problem: string | null }> {
  const root = tmp('study');
  const out = path.join(root, 's');
  for (const kill of p.kills) {
    const killed = await runCli([...STUDY, '--out', out], { ioRoot: root, ...kill });
    expect(killed.timedOut, `${p.what}: the killed study hung`).toBe(false);
    if (killed.signal !== 'SIGKILL') {
      expect(killed.code, `${p.what}: ${killed.stderr}`).toBe(0);
      return { killed: false, problem: null };
    }
  }
  const resumed = await runCli([...STUDY, '--out', out]);
  if (resumed.timedOut || resumed.code !== 0) return { killed: true, problem: `the study did not resume (${resumed.timedOut ? 'hung' : `exit ${resumed.code}`}): ${resumed.stderr.trim().slice(0, 500)}` };
  const diffs = jsonDifferences(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')), reference);
  if (!diffs.length) fs.rmSync(root, { recursive: true, force: true });
  return { killed: true, problem: diffs.length ? `results.json differs at ${diffs.length} place(s): ${diffs.slice(0, 4).join('; ')}` : null };
}

describe('kill -9 during deconattn study, then the same command again', () => {
  beforeAll(async () => {
    ensureBuilt();
    const root = tmp('study-reference');
    const traceFile = path.join(os.tmpdir(), `deconattn-kill-study-trace-${process.pid}.jsonl`);
    fs.rmSync(traceFile, { force: true });
    const r = await runCli([...STUDY, '--out', path.join(root, 's')], { ioRoot: root, trace: traceFile });
    if (r.code !== 0) throw new Error(`the uninterrupted study failed: ${r.stderr}`);
    reference = JSON.parse(fs.readFileSync(path.join(root, 's', 'results.json'), 'utf8'));
    trace = readTrace(traceFile);
    // Steps 2–4 of the standard run (logged as one window at step 4).
    msPerStep = JSON.parse(fs.readFileSync(path.join(root, 's', 'runs', 'standard', 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!).msPerStep;
  });

  it('the comparison can fail: a 0.1 % change of one number is found', () => {
    const other = structuredClone(reference) as any;
    other.runs[0].metrics.valLoss *= 1.001;
    expect(jsonDifferences(other, reference).length).toBe(1);
  });

  it(RANDOM_POINTS ? `the fixed and ${RANDOM_POINTS} random kill points (seed ${SEED}) each end in the uninterrupted study's results` : "every fixed kill point ends in the uninterrupted study's results.json", async () => {
    const lost = await runKillPoints('deconattn study', ciPoints, { count: RANDOM_POINTS, seed: SEED, point: randomPoint }, tryPoint);
    expect(lost).toEqual([]);
  }, 120_000 + 60_000 * (RANDOM_POINTS + 8)); // each point runs the CLI two or three times
});
