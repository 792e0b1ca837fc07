import { Command, Option } from 'commander';
import { DeconattnError } from '@deconattn/core';
import { PRESETS } from '@deconattn/hybrid';
import { trainCommand } from './commands/train.js';
import { generateCommand, scoreCommand, tokenizeCommand } from './commands/model-io.js';
import { mixersCommand, planCommand } from './commands/mixers.js';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { cliMessage } from './util/flags.js';
import pkg from '../package.json';
import { backendOption, collect, intArg, nonNegativeArg, pluginOption, positiveArg } from './program-options.js';
import { addEvalCommand } from './commands/eval.js';
import { addStudyCommand } from './commands/study.js';
import { addWorkerCommand } from './commands/worker.js';
import { addFinetuneCommand } from './commands/finetune.js';
import { addAnalyzeCommand } from './commands/analyze.js';

export function createProgram(): Command {
  const program = new Command('deconattn')
    .description('Deconstructing Attention: build, train, compare and evaluate token-mixer language models on TensorFlow.js.')
    .version(pkg.version);
  for (const add of COMMANDS) add(program);
  oneLineErrors(program);
  return program;
}

function addMixersCommand(program: Command): void {
  program
    .command('mixers')
    .description('list the registered token mixers: id, package, principle relaxed, decoding form, parameters per layer')
    .option('--json', 'machine-readable output')
    .addOption(new Option('--preset <name>', 'model size for parameter counts').choices(Object.keys(PRESETS)).default('small'))
    .option('--filter <glob>', 'only ids matching this glob')
    .addOption(pluginOption())
    .action((o) => mixersCommand(o));
}

function addPlanCommand(program: Command): void {
  program
    .command('plan <plan>')
    .description("show the per-layer mixers of a plan: '<preset>:<mixer>' (e.g. hybrid:approximate) or a comma list")
    .requiredOption('--layers <n>', 'number of layers', intArg('--layers'))
    .option('--json', 'machine-readable output')
    .addOption(pluginOption())
    .action((p, o) => planCommand(p, o));
}

function addTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model on the bundled corpus (or --corpus files)')
    .addOption(new Option('--preset <name>', 'model preset').choices(Object.keys(PRESETS)).default('tiny'))
    .option('--plan <plan>', "layer plan: '<preset>:<mixer>' or a comma list", 'uniform:standard')
    .option('--steps <n>', 'optimizer steps', intArg('--steps'))
    .addOption(backendOption())
    .option('--out <dir>', 'run directory (default runs/<preset>-<plan>)')
    .option('--resume', 'continue the run in --out from its newest checkpoint')
    .option('--corpus <file>', 'UTF-8 text file to train on (repeatable)', collect)
    .option('--seed <n>', 'seed for weights and data order', intArg('--seed'), 0)
    .option('--batch-size <n>', 'sequences per step', intArg('--batch-size', 1))
    .option('--seq-len <n>', 'tokens per sequence', intArg('--seq-len', 1))
    .option('--lr <x>', 'peak learning rate', positiveArg('--lr'))
    .option('--accum <n>', 'gradient accumulation micro-batches', intArg('--accum', 1))
    .option('--eval-interval <n>', 'steps between held-out evaluations', intArg('--eval-interval'))
    .option('--log-interval <n>', 'steps between log lines', intArg('--log-interval'))
    .option('--checkpoint-interval <n>', 'steps between checkpoints', intArg('--checkpoint-interval'))
    .option('--json', 'log lines as JSON')
    .addOption(pluginOption())
    .action((o) => trainCommand(o));
}

function addScoreCommand(program: Command): void {
  program
    .command('score')
    .description('NLL of every token after the first (windowed beyond the context): token count, summed and mean NLL, perplexity')
    .requiredOption('--model <dir>', 'checkpoint or run directory')
    .requiredOption('--text-file <file>', 'UTF-8 text to score')
    .option('--json', 'machine-readable output')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action((o) => scoreCommand(o));
}

function addTokenizeCommand(program: Command): void {
  program
    .command('tokenize')
    .description('the token ids `score` uses for a text file')
    .requiredOption('--model <dir>', 'checkpoint or run directory')
    .requiredOption('--text-file <file>', 'UTF-8 text')
    .option('--json', 'machine-readable output')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action((o) => tokenizeCommand(o));
}

function addGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('generate text through the cached decoding path')
    .requiredOption('--model <dir>', 'checkpoint or run directory')
    .option('--prompt <text>', 'prompt', '')
    .option('--max-tokens <n>', 'tokens to generate', intArg('--max-tokens'), 100)
    .option('--temperature <x>', '0 = greedy', nonNegativeArg('--temperature'), 0.8)
    .option('--top-k <n>', 'sample among the k most likely (0 = all)', intArg('--top-k'), 40)
    .option('--seed <n>', 'sampling seed', intArg('--seed'), 0)
    .option('--json', 'machine-readable output')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action((o) => generateCommand(o));
}

function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('training tokens/s per backend and mixer on a fixed config, PyTorch\'s figure for the same model and the ratio (one run), decoding tokens/s per context')
    .option('--config <name>', 'reference (d 256, 2 layers, FFN 704, 4 heads, vocab 512, batch 4 × 128) or a preset (tiny, small, …)', 'reference')
    .option('--backends <list>', 'comma-separated backends', 'wasm')
    .option('--mixers <list>', "comma-separated mixers, each trained uniform; 'all' = every registered mixer", 'all')
    .option('--plan <plan>', 'benchmark this one plan instead of --mixers')
    .option('--steps <n>', 'timed training steps (the median is reported)', intArg('--steps', 1), 5)
    .option('--repeats <n>', 'measurement rounds per model, alternating ours / plain / PyTorch (medians reported)', intArg('--repeats', 1), 1)
    .option('--decode <contexts>', "decoding contexts in tokens, comma-separated ('none' skips)", '128,2048')
    .option('--decode-tokens <n>', 'timed decoding steps per context', intArg('--decode-tokens', 1), 16)
    .option('--torch <python>', "PyTorch baseline: 'auto' (Debian's /usr/bin/python3, then python3), 'off', or a python with torch", 'auto')
    .option('--torch-splits <list>', 'PyTorch thread splits BLAS×torch to try (the best is kept)', '1x1,2x1,1x2,2x2')
    .option('--plain', 'also time the plain tfjs path (fused wasm kernels off) in the same run')
    .option('--profile', 'profile one training step (tf.profile): kernels launched, kernel time, the top kernels')
    .option('--json', 'machine-readable output')
    .option('--out <file>', 'also write the JSON here')
    .addOption(pluginOption())
    .action((o) => benchCommand(o));
}

function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('train the tiny model on the bundled corpus, score held-out text and generate a sample')
    .option('--out <dir>', 'run directory', 'runs/demo')
    .option('--steps <n>', 'optimizer steps', intArg('--steps'))
    .addOption(backendOption())
    .action((o) => demoCommand(o));
}

/**
 * Every command, in the order `deconattn --help` lists them. One way to add a command: a function
 * that registers it on the program (its options, help text and action), listed here.
 */
const COMMANDS: readonly ((program: Command) => void)[] = [
  addMixersCommand,
  addPlanCommand,
  addTrainCommand,
  addScoreCommand,
  addTokenizeCommand,
  addGenerateCommand,
  addBenchCommand,
  addDemoCommand,
  addEvalCommand,
  addFinetuneCommand,
  addAnalyzeCommand,
  addStudyCommand,
  addWorkerCommand,
];

/** Usage errors (unknown option, bad value, missing argument) as one line: what was wrong, where the usage is. */
function oneLineErrors(cmd: Command): void {
  const usage = cmd.parent ? `deconattn ${cmd.name()} --help` : 'deconattn --help';
  cmd.configureOutput({ outputError: (str, write) => write(`deconattn: ${oneLine(str.replace(/^error: /, '')).replace(/\.$/, '')} — see '${usage}'.\n`) });
  cmd.commands.forEach(oneLineErrors);
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

/** Runs the CLI; bad input prints the error's message (no stack) and exits 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (e) {
    // Bad input (DeconattnError and its subclasses) is explained in one line; anything else is a
    // bug and keeps its stack trace.
    if (e instanceof DeconattnError) {
      console.error(`deconattn: ${oneLine(cliMessage(e))}`);
      if (process.env.DECONATTN_DEBUG) console.error(e.stack);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
