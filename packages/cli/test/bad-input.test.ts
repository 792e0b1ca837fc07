import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import type { Command, Option } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../src/program.js';
import { badInputProblems, runInProcess } from './helpers/in-process.js';
import { ensureBuilt, runCli } from './helpers/kill.js';

/**
 * Bad input everywhere: at least 1,000 generated invocations of every command — unknown
 * options, bad numbers and choices, missing required options, missing or unusable paths (absent,
 * a directory, a file where a directory belongs, empty, blank, binary, corrupt checkpoints),
 * malformed plans and JSON, unknown tasks/mixers/backends/commands, extra arguments, huge values —
 * each must end with a non-zero exit and one line on stderr that names what was wrong, with no
 * stack trace and no hang, and leave no tensor behind. The options and their parsers are read
 * from the program itself, so a new option is fuzzed too. Most run in this process through the
 * CLI's entry (main); a sample, and the inputs that could block a process (named pipes), run as
 * real child processes with a time limit.
 */
const INVOCATIONS = Number(process.env.DECONATTN_FUZZ_RUNS || 1000);
// Spawned sample: each is a Node start-up (seconds); the in-process runs above cover the logic.
const SPAWNED = Number(process.env.DECONATTN_FUZZ_SPAWNED || 8);

interface Invocation {
  what: string;
  args: string[];
  /** The message must contain this (the option, path or name at fault)… */
  culprit?: string;
  /** …or match this. */
  pattern?: RegExp;
}

let dir: string;
let model: string;
const fx: Record<string, string> = {};

/** A valid invocation of each command, as [option, value] pairs (a fault is then added to it). */
function base(cmd: string, n: number): { positional: string[]; opts: [string, string?][] } {
  const out = path.join(dir, 'outs', `${cmd}-${n}`);
  switch (cmd) {
    case 'plan':
      return { positional: ['hybrid:mlp'], opts: [['--layers', '4']] };
    case 'train':
      return { positional: [], opts: [['--steps', '1'], ['--batch-size', '1'], ['--seq-len', '8'], ['--out', out]] };
    case 'score':
    case 'tokenize':
      return { positional: [], opts: [['--model', model], ['--text-file', fx.text!]] };
    case 'generate':
      return { positional: [], opts: [['--model', model], ['--max-tokens', '2']] };
    case 'bench':
      return { positional: [], opts: [['--backends', 'wasm'], ['--steps', '1']] };
    case 'demo':
      return { positional: [], opts: [['--steps', '1'], ['--out', out]] };
    case 'eval':
      return { positional: [], opts: [['--model', model], ['--tasks', 'copa'], ['--limit', '2']] };
    case 'finetune':
      return { positional: [], opts: [['--model', model], ['--tasks', 'copa'], ['--epochs', '1'], ['--train-limit', '4'], ['--limit', '2']] };
    case 'analyze':
      return { positional: [], opts: [['--model', model], ['--sequences', '1'], ['--length', '8']] };
    case 'study':
      return { positional: [], opts: [['--out', out], ['--steps', '1'], ['--mixers', 'mlp'], ['--configs', 'uniform'], ['--tasks', 'copa'], ['--limit', '1'], ['--wikitext-docs', '0'], ['--analysis-sequences', '1']] };
    case 'worker':
      // Nothing listens on port 9: any fault that slipped past the checks would fail to connect, in one line.
      return { positional: [], opts: [['--queue', 'redis://127.0.0.1:9/0'], ['--store', out]] };
    default:
      return { positional: [], opts: [] };
  }
}

function argv(cmd: string, b: ReturnType<typeof base>, extra: string[] = [], without?: string): string[] {
  return [cmd, ...b.positional, ...b.opts.filter(([f]) => f !== without).flatMap(([f, v]) => (v === undefined ? [f] : [f, v])), ...extra];
}

const word = fc.stringMatching(/^[a-z][a-z0-9-]{1,14}$/);
const weird = fc.oneof(fc.constantFrom('', ' ', '-', '--', '%', '\u0000', '\n', '../..', 'ü', '😀', '0'.repeat(400)), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const numberish = fc.oneof(
  fc.constantFrom('', ' ', 'abc', '-1', '1.5', '0', '-0', 'NaN', 'Infinity', '-Infinity', '1e20', '99999999999999999999', '1e400', '0x', '1_000', '½', '١٢', '1,5', '+', '2^31', '9007199254740993'),
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.double().map(String),
  weird,
);

/** Values the option's own parser refuses (so each generated value is wrong by the program's own rule). */
function refused(opt: Option): fc.Arbitrary<string> | undefined {
  const choices = (opt as Option & { argChoices?: string[] }).argChoices;
  if (choices) return fc.oneof(word, weird).filter((v) => !choices.includes(v));
  const parse = (opt as Option & { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
  if (!parse || opt.long === '--plugin' || opt.long === '--corpus') return undefined;
  return numberish.filter((v) => {
    try {
      parse(v, undefined);
      return false;
    } catch {
      return true;
    }
  });
}

const MALFORMED_PLANS = [
  '', ' ', ',', ':', ':mlp', 'hybrid:', 'hybrid', 'sideways:mlp', 'hybrid:mlp:extra', 'standard,,mlp', 'standard,mlp,standard',
  '{', '{"preset":"hybrid"', 'null', '[]', '42', '"hybrid:mlp"', 'true', '{}', '{"preset":"hybrid","mixer":"mlp","shape":1}', '{"preset":"sideways","mixer":"mlp"}',
  '{"layers":[]}', '{"layers":[1,2]}', '{"layers":"standard"}', '{"preset":"hybrid","mixer":"mlp","skip":"sideways"}', '{"preset":"hybrid","mixer":"mlp","mixerOptions":{"mlp":{"bogus":1}}}',
  '{"preset":"hybrid","mixer":"mlp","mixerOptions":[]}', '{"layers":["standard","mlp"],"preset":"hybrid"}', '[['.repeat(3000) + ']]'.repeat(3000), 'x'.repeat(5000),
];
const plans = fc.oneof(
  fc.constantFrom(...MALFORMED_PLANS),
  word.filter((w) => !['standard', 'mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk'].includes(w)).chain((w) => fc.constantFrom(`hybrid:${w}`, w, `standard,${w}`, JSON.stringify({ preset: 'hybrid', mixer: w }), JSON.stringify({ layers: [w, 'standard'] }))),
);

/** Every fault that applies to `cmd`, as generators of invocations. */
function faults(program: Command, cmd: Command): fc.Arbitrary<Invocation>[] {
  const name = cmd.name();
  const options = cmd.options as Option[];
  const known = new Set(options.flatMap((o) => [o.long, o.short]).filter(Boolean));
  const n = () => fc.nat(1e6);
  const out: fc.Arbitrary<Invocation>[] = [];
  out.push(
    fc.tuple(word.filter((w) => !known.has(`--${w}`) && w !== 'help' && w !== 'version'), n()).map(([w, i]) => ({ what: 'unknown option', args: argv(name, base(name, i), [`--${w}`]), culprit: `--${w}` })),
  );
  for (const opt of options) {
    const bad = refused(opt);
    if (bad && opt.long) out.push(fc.tuple(bad, n()).map(([v, i]) => ({ what: `bad ${opt.long}`, args: argv(name, base(name, i), [`${opt.long}=${v}`], opt.long), culprit: opt.long })));
    if (opt.mandatory && opt.long) out.push(n().map((i) => ({ what: `missing ${opt.long}`, args: argv(name, base(name, i), [], opt.long), culprit: opt.long })));
  }
  const has = (f: string) => known.has(f);
  const paths = (flag: string, values: string[], extra: (i: number) => string[] = () => []) =>
    out.push(fc.tuple(fc.constantFrom(...values), n()).map(([p, i]) => ({ what: `${flag} ${path.basename(p)}`, args: argv(name, base(name, i), [flag, p, ...extra(i)], flag), culprit: p })));
  if (has('--model')) paths('--model', [fx.missing!, fx.file!, fx.empty!, fx.noCheckpoint!, fx.corruptWeights!, fx.corruptConfig!, fx.corruptDone!]);
  if (has('--text-file')) paths('--text-file', [fx.missing!, fx.dir!, fx.binary!, ...(name === 'score' ? [fx.empty!] : [])]);
  if (has('--corpus')) paths('--corpus', [fx.missing!, fx.dir!, fx.empty!, fx.blank!, fx.binary!]);
  if (has('--plugin')) paths('--plugin', [fx.missing!, fx.dir!, fx.binary!]);
  if (name === 'train' || name === 'study') paths('--out', [fx.file!]);
  if (name === 'demo') paths('--out', [fx.file!, fx.dir!, fx.cwdLike!]);
  if (name === 'eval' || name === 'finetune' || name === 'analyze') paths('--output', [fx.dir!]);
  if (name === 'analyze') paths('--report', [fx.dir!]);
  if (has('--plan')) out.push(fc.tuple(plans, n()).map(([p, i]) => ({ what: '--plan malformed', args: argv(name, base(name, i), [`--plan=${p}`], '--plan'), pattern: /plan|mixer|layer|preset|option|JSON/i })));
  if (name === 'plan') out.push(fc.tuple(plans, fc.integer({ min: 1, max: 8 })).map(([p, l]) => ({ what: 'plan malformed', args: ['plan', p, '--layers', String(l)], pattern: /plan|mixer|layer|preset|option|JSON/i })));
  if (name === 'plan') out.push(fc.constantFrom('10001', '123456789', '9007199254740991').map((l) => ({ what: 'plan huge --layers', args: ['plan', 'hybrid:mlp', '--layers', l], culprit: l })));
  const lists: [string, string][] = [];
  if (name === 'eval' || name === 'finetune' || name === 'study') lists.push(['--tasks', 'tasks']);
  if (name === 'study') lists.push(['--mixers', 'mixer'], ['--configs', 'config'], ['--placements', 'placement'], ['--skip-modes', 'skip']);
  if (name === 'bench') lists.push(['--backends', 'backend']);
  for (const [flag] of lists) out.push(fc.tuple(word, n()).map(([w, i]) => ({ what: `${flag} unknown`, args: argv(name, base(name, i), [flag, `${w}-x`], flag), culprit: `${w}-x` })));
  if (name === 'train') {
    out.push(fc.tuple(fc.integer({ min: 129, max: 1e9 }), n()).map(([l, i]) => ({ what: 'train --seq-len past the context', args: argv(name, base(name, i), ['--seq-len', String(l)], '--seq-len'), culprit: String(l) })));
    out.push(fc.tuple(fc.integer({ min: 1e8, max: 2 ** 52 }), n()).map(([b, i]) => ({ what: 'train --batch-size huge', args: argv(name, base(name, i), ['--batch-size', String(b)], '--batch-size'), pattern: /batch/i })));
  }
  if (cmd.registeredArguments.length === 0) out.push(fc.tuple(word, n()).map(([w, i]) => ({ what: 'extra argument', args: argv(name, base(name, i), [w]), culprit: name })));
  void program;
  return out;
}

function invocations(count: number): Invocation[] {
  const program = createProgram();
  const commands = program.commands as Command[];
  const names = new Set(commands.map((c) => c.name()));
  const perCommand = commands.map((c) => fc.oneof(...faults(program, c)));
  const unknownCommand = word.filter((w) => !names.has(w) && w !== 'help').map((w) => ({ what: 'unknown command', args: [w], culprit: w }));
  return fc.sample(fc.oneof(unknownCommand, ...perCommand), { numRuns: count, seed: 20251009 });
}

describe('bad input everywhere', () => {
  let all: Invocation[];
  beforeAll(async () => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-fuzz-'));
    fs.mkdirSync(path.join(dir, 'outs'));
    model = path.join(dir, 'run');
    const r = await runInProcess(['train', '--preset', 'tiny', '--steps', '2', '--batch-size', '2', '--seq-len', '16', '--eval-interval', '0', '--out', model, '--json']);
    if (r.code !== 0 || r.crash) throw new Error(`training the fixture model failed: ${r.stderr} ${(r.crash as Error)?.stack ?? ''}`);
    const file = (name: string, content: string | Buffer) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content);
      return p;
    };
    fx.text = file('text.txt', 'To be, or not to be, that is the question.\n');
    fx.empty = file('empty.txt', '');
    fx.blank = file('blank.txt', ' \n\t\n');
    fx.binary = file('binary.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xc3, 0x28, 0xff, 0xfe, 0x00, 0x80, 0xa0, 0xa1]));
    fx.file = file('a-file', 'not a directory\n');
    fx.missing = path.join(dir, 'does-not-exist', 'nothing-here');
    fx.dir = path.join(dir, 'a-dir');
    fs.mkdirSync(fx.dir);
    fs.writeFileSync(path.join(fx.dir, 'keep.txt'), 'someone else’s file\n');
    fx.cwdLike = path.join(dir, 'project');
    fs.mkdirSync(path.join(fx.cwdLike, 'src'), { recursive: true });
    fs.writeFileSync(path.join(fx.cwdLike, 'package.json'), '{}\n');
    fx.noCheckpoint = path.join(dir, 'no-checkpoint');
    fs.mkdirSync(fx.noCheckpoint);
    const ckpt = fs.readdirSync(path.join(model, 'checkpoints')).find((n) => n.startsWith('step-'))!;
    const damaged = (name: string, damage: (d: string) => void) => {
      const d = path.join(dir, name);
      fs.cpSync(path.join(model, 'checkpoints', ckpt), d, { recursive: true });
      damage(d);
      return d;
    };
    fx.corruptWeights = damaged('corrupt-weights', (d) => fs.writeFileSync(path.join(d, 'model.safetensors'), 'garbage'));
    fx.corruptConfig = damaged('corrupt-config', (d) => fs.writeFileSync(path.join(d, 'config.json'), '{ "hidden_size": 64,'));
    fx.corruptDone = damaged('corrupt-done', (d) => fs.writeFileSync(path.join(d, 'DONE'), '\u0000'));
    all = invocations(INVOCATIONS);
  });

  it(`${INVOCATIONS} generated invocations, in process: non-zero exit, one line naming the fault, no stack trace, no hang, no tensor left`, async () => {
    expect(all.length).toBe(INVOCATIONS);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (const inv of all) {
      const before = tf.engine().backendName ? tf.memory().numTensors : 0;
      const r = await runInProcess(inv.args, 60_000);
      const problems = badInputProblems(r, inv.culprit);
      if (inv.pattern && !inv.pattern.test(r.stderr)) problems.push(`the message does not match ${inv.pattern}: ${r.stderr.trim()}`);
      const after = tf.engine().backendName ? tf.memory().numTensors : 0;
      if (after !== before) problems.push(`${after - before} tensors left behind`);
      if (problems.length) failures.push(`deconattn ${inv.args.map((a) => JSON.stringify(a).slice(0, 80)).join(' ')} [${inv.what}]\n    ${problems.join('\n    ')}`);
      const k = `${inv.args[0]} ${inv.what.split(' ')[0]}`;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      if (r.timedOut) break; // it may still be running: what follows would not be meaningful
    }
    console.log(`bad input: ${all.length - failures.length} of ${all.length} generated invocations refused as promised (${kinds.size} kinds of fault over every command)`);
    expect(failures).toEqual([]);
  });

  it("plan validates its mixers as train does: unknown id, did-you-mean, registered list; bad options", async () => {
    for (const args of [['plan', 'hybrid:nonexistent-mixer', '--layers', '4'], ['plan', 'uniform:aproximate', '--layers', '2'], ['train', '--plan', 'hybrid:aproximate', '--steps', '1', '--out', path.join(dir, 'outs', 'plan-check')]]) {
      const r = await runInProcess(args);
      expect(badInputProblems(r, args[1]!.split(':')[1])).toEqual([]);
      expect(r.stderr).toMatch(/Unknown token mixer '.*'\..*Registered mixers: /);
      if (args[1]!.includes('aproximate')) expect(r.stderr).toMatch(/Did you mean 'approximate'\?/);
    }
    const r = await runInProcess(['plan', '{"preset":"hybrid","mixer":"mlp","mixerOptions":{"mlp":{"width":-1}}}', '--layers', '2']);
    expect(badInputProblems(r, 'mlp')).toEqual([]);
    expect((await runInProcess(['plan', 'hybrid:mlp', '--layers', '4', '--json'])).code).toBe(0);
  });

  it('a sample, and inputs that could block, as real processes with a time limit', async () => {
    // A named pipe as a text file or corpus: reading one blocks until a writer comes, forever.
    const fifo = path.join(dir, 'a-pipe');
    execFileSync('mkfifo', [fifo]);
    const cases: Invocation[] = [
      ...Array.from({ length: SPAWNED }, (_, k) => all[Math.floor((k * all.length) / SPAWNED)]!).filter((inv) => !inv.args.some((a) => a.includes('\u0000'))),
      { what: 'a named pipe as --text-file', args: ['score', '--model', model, '--text-file', fifo], culprit: fifo },
      { what: 'a named pipe as --corpus', args: ['train', '--steps', '1', '--corpus', fifo, '--out', path.join(dir, 'outs', 'fifo')], culprit: fifo },
      { what: 'a named pipe as analyze --text-file', args: ['analyze', '--model', model, '--text-file', fifo], culprit: fifo },
    ];
    const failures: string[] = [];
    for (const inv of cases) {
      const r = await runCli(inv.args, { timeoutMs: 60_000 });
      const problems = badInputProblems({ code: r.timedOut ? -1 : (r.code ?? 1), stderr: r.stderr, timedOut: r.timedOut }, inv.culprit);
      if (inv.pattern && !inv.pattern.test(r.stderr)) problems.push(`the message does not match ${inv.pattern}: ${r.stderr.trim()}`);
      if (r.signal) problems.push(`killed by ${r.signal}`);
      if (problems.length) failures.push(`deconattn ${inv.args.join(' ').slice(0, 200)} [${inv.what}]\n    ${problems.join('\n    ')}`);
    }
    console.log(`bad input: ${cases.length - failures.length} of ${cases.length} spawned invocations refused as promised`);
    expect(failures).toEqual([]);
  }, 900_000); // about twenty Node start-ups, each with its own 60 s limit
});
