import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, getMixer, listMixers } from '@deconattn/core';
import { parsePlan, planLabel, resolvePlan, type LayerPlan } from '@deconattn/hybrid';
import { setup } from '../util/context.js';
import { formatNumber, markdownTable } from '../util/table.js';
import { checkOutputFile } from '../util/files.js';
import { benchConfig, trainFlopsPerToken, type BenchConfig } from '../bench/configs.js';
import { BENCH_TRAINING, decodeSpeed, profileStep, trainSpeed, type StepProfile } from '../bench/measure.js';
import { findTorchPython, runTorchBench, type TorchResult } from '../bench/torch.js';
import { kernelThreads, setWasmKernelsEnabled, wasmKernelsEnabled } from '@deconattn/kernels-wasm';

export interface BenchOptions {
  config: string;
  backends: string;
  /** Comma list of mixers, each benchmarked as `uniform:<mixer>`; `all` = every registered one. */
  mixers: string;
  /** A single plan instead of the mixer list. */
  plan?: string;
  steps: number;
  /** Measurement rounds per model (ours, plain, PyTorch in turn); medians are reported. */
  repeats: number;
  /** Decoding contexts (tokens already consumed), comma list; '' or 'none' skips decoding. */
  decode: string;
  decodeTokens: number;
  /** 'auto' (find python with torch), 'off', or a python executable. */
  torch: string;
  torchSplits: string;
  /** Also time the plain tfjs path (fused wasm kernels off) in the same run. */
  plain?: boolean;
  /** Profile one step (tf.profile): kernels launched, kernel time, the top kernels. */
  profile?: boolean;
  json?: boolean;
  out?: string;
  plugin?: string[];
}

export interface BenchRow {
  backend: string;
  mixer: string;
  plan: string;
  /** Trainable parameters (PyTorch's model has as many when it is the same model). */
  params: number;
  trainTokensPerSec: number;
  msPerStep: number;
  msPerStepAll: number[];
  trainGflops: number;
  /** Threads the wasm kernels used (1 elsewhere). */
  threads: number;
  /** Training tokens/s of the plain tfjs composition (fused kernels off), with --plain (median). */
  plainTokensPerSec?: number;
  /** One step's kernels (with --profile; `plain` with --plain too). */
  profile?: { fused: StepProfile; plain?: StepProfile };
  /** PyTorch's training tokens/s for the same model (best thread split), when measured. */
  torch: TorchResult | null;
  torchError?: string;
  /** trainTokensPerSec / PyTorch's, same model: the median of the per-repeat ratios. */
  ratio: number | null;
  /** trainTokensPerSec / PyTorch's for standard attention (the reference model). */
  ratioToTorchStandard: number | null;
  /** Decoding tokens/s keyed by context length. */
  decodeTokensPerSec: Record<string, number>;
  /** Every repeat's figures (the row gives their medians). */
  repeats: { trainTokensPerSec: number[]; plainTokensPerSec: number[]; torchTokensPerSec: number[] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function plansOf(o: BenchOptions): { mixer: string; plan: LayerPlan; text: string }[] {
  if (o.plan) {
    const plan = parsePlan(o.plan);
    return [{ mixer: planLabel(plan), plan, text: o.plan }];
  }
  const ids = o.mixers === 'all' ? listMixers().map((d) => d.id) : o.mixers.split(',').map((m) => m.trim()).filter(Boolean);
  if (!ids.length) throw new DeconattnError(`bench: give at least one mixer in --mixers (e.g. standard,mlp or all).`);
  for (const id of ids) getMixer(id); // unknown ids fail here, with the list of known ones
  // Standard first: the relaxed mixers' ratios are also given against PyTorch's standard model.
  ids.sort((a, b) => (a === 'standard' ? -1 : b === 'standard' ? 1 : 0));
  return ids.map((id) => ({ mixer: id, plan: parsePlan(`uniform:${id}`), text: `uniform:${id}` }));
}

function decodeContexts(spec: string): number[] {
  if (spec === '' || spec === 'none') return [];
  return spec.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new DeconattnError(`bench: decoding contexts must be positive integers (e.g. 128,2048), got '${s}'.`);
    return n;
  });
}

function mapLayers(cfg: BenchConfig, plan: LayerPlan): number {
  return resolvePlan(plan, cfg.model.numLayers).filter((id) => getMixer(id).hasAttentionMap).length;
}

/**
 * `deconattn bench`: training tokens/s per backend and mixer on a fixed config, PyTorch's figure
 * for the same model built from the same config.json and trained the same way (measured in the
 * same run, so the ratio holds on a shared machine), and decoding tokens/s at given contexts.
 */
export async function benchCommand(o: BenchOptions): Promise<void> {
  checkOutputFile(o.out, '--out');
  const cfg = benchConfig(o.config);
  const backends = o.backends.split(',').map((b) => b.trim()).filter(Boolean);
  const contexts = decodeContexts(o.decode);
  const log = (s: string) => {
    if (!o.json) console.error(s);
  };
  let python: string | undefined;
  let torchNote = 'not measured (--torch off)';
  let torchLooked = false;
  // PyTorch is looked for once the first backend and the plans are known to be good, so bad input
  // ends with its one-line error and nothing printed before it.
  const lookForTorch = () => {
    if (torchLooked || o.torch === 'off') return;
    torchLooked = true;
    const found = findTorchPython(o.torch === 'auto' ? undefined : o.torch);
    python = found.python;
    torchNote = python ? `${found.why} (${python})` : `not measured: ${found.why}`;
    log(`PyTorch: ${torchNote}`);
  };
  const rows: BenchRow[] = [];
  const torchByMixer = new Map<string, { result?: TorchResult; error?: string }>();
  for (const backend of backends) {
    try {
      await setup({ backend, plugin: o.plugin });
    } catch (e) {
      if (backends.length === 1) throw e;
      console.error(`skipping ${backend}: ${(e as Error).message}`);
      continue;
    }
    const plans = plansOf(o);
    // Every layer's mixer is registered (plugins are loaded by now): an unknown one fails before any training.
    for (const p of plans) for (const id of resolvePlan(p.plan, cfg.model.numLayers)) getMixer(id);
    lookForTorch();
    for (const p of plans) {
      // Repeats alternate ours, the plain path and PyTorch, so drift on a shared machine hits all
      // of them alike; medians are reported, and the ratio is the median of per-repeat ratios.
      const ours: number[] = [];
      const plains: number[] = [];
      const torchRuns: TorchResult[] = [];
      const ratios: number[] = [];
      let torchError: string | undefined;
      let speed: Awaited<ReturnType<typeof trainSpeed>> | undefined;
      let profile: BenchRow['profile'];
      for (let r = 0; r < o.repeats; r++) {
        const tag = o.repeats > 1 ? ` (repeat ${r + 1}/${o.repeats})` : '';
        log(`${backend} ${p.text}: training${tag}…`);
        speed = await trainSpeed(cfg, p.plan, o.steps);
        ours.push(speed.tokensPerSec);
        if (o.profile && !profile) profile = { fused: await profileStep(cfg, p.plan) };
        if (o.plain && wasmKernelsEnabled() && tf.getBackend() === 'wasm') {
          log(`${backend} ${p.text}: training on the plain path (fused kernels off)${tag}…`);
          setWasmKernelsEnabled(false);
          try {
            plains.push((await trainSpeed(cfg, p.plan, o.steps)).tokensPerSec);
            if (profile && !profile.plain) profile.plain = await profileStep(cfg, p.plan);
          } finally {
            setWasmKernelsEnabled(true);
          }
        }
        if (python && !torchError) {
          log(`${backend} ${p.text}: PyTorch${tag}…`);
          const t = runTorchBench({ python, config: speed.configJson, batchSize: cfg.batchSize, seqLen: cfg.seqLen, steps: o.steps, ...BENCH_TRAINING, splits: o.torchSplits, timeoutMs: 30 * 60_000 });
          if (t.result && t.result.params !== speed.params) torchError = `PyTorch's model has ${t.result.params} parameters, ours ${speed.params}: not the same model, no ratio given`;
          else if (t.result) {
            torchRuns.push(t.result);
            ratios.push(speed.tokensPerSec / t.result.tokensPerSec);
          } else torchError = t.error;
        }
      }
      speed = speed!;
      const trainTokensPerSec = median(ours);
      const torchMedian = torchRuns.length ? { ...torchRuns[0]!, tokensPerSec: median(torchRuns.map((t) => t.tokensPerSec)), msPerStep: median(torchRuns.map((t) => t.msPerStep)) } : undefined;
      torchByMixer.set(p.text, { result: torchMedian, error: torchError });
      const decode: Record<string, number> = {};
      for (const c of contexts) {
        log(`${backend} ${p.text}: decoding at ${c} tokens of context…`);
        decode[String(c)] = await decodeSpeed(cfg, p.plan, c, o.decodeTokens);
      }
      const torch = torchByMixer.get(p.text);
      const torchStd = torchByMixer.get('uniform:standard')?.result;
      const flops = trainFlopsPerToken(cfg.model, cfg.seqLen, speed.matrixParams, mapLayers(cfg, p.plan));
      rows.push({
        backend: tf.getBackend(),
        mixer: p.mixer,
        plan: p.text,
        params: speed.params,
        trainTokensPerSec,
        msPerStep: (cfg.batchSize * cfg.seqLen * 1000) / trainTokensPerSec,
        msPerStepAll: speed.msPerStepAll,
        trainGflops: (flops * trainTokensPerSec) / 1e9,
        threads: tf.getBackend() === 'wasm' ? kernelThreads() : 1,
        ...(plains.length ? { plainTokensPerSec: median(plains) } : {}),
        ...(profile ? { profile } : {}),
        torch: torch?.result ?? null,
        ...(torch?.error ? { torchError: torch.error } : {}),
        ratio: ratios.length ? median(ratios) : null,
        // For standard attention itself, the same-model ratio (median of paired repeats).
        ratioToTorchStandard: p.text === 'uniform:standard' && ratios.length ? median(ratios) : torchStd ? trainTokensPerSec / torchStd.tokensPerSec : null,
        repeats: { trainTokensPerSec: ours, plainTokensPerSec: plains, torchTokensPerSec: torchRuns.map((t) => t.tokensPerSec) },
        decodeTokensPerSec: decode,
      });
    }
  }
  if (!rows.length) throw new DeconattnError('No backend could be benchmarked.');
  const result = { config: cfg, steps: o.steps, repeats: o.repeats, decodeTokens: o.decodeTokens, torch: torchNote, date: new Date().toISOString(), rows };
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  if (o.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const m = cfg.model;
  console.log(
    `Config '${cfg.name}': d ${m.hiddenSize}, ${m.numLayers} layers, FFN ${m.intermediateSize}, ${m.numHeads} heads, vocabulary ${m.vocabSize}; ` +
      `training batch ${cfg.batchSize} × ${cfg.seqLen} tokens (forward, backward, clipping, AdamW), median of ${o.steps} steps${o.repeats > 1 ? ` and of ${o.repeats} alternating repeats` : ''}; wasm kernels on ${rows[0]!.threads} thread(s). PyTorch: ${torchNote}.\n`,
  );
  const dash = (x: number | null | undefined, f = (v: number) => formatNumber(v)) => (x == null ? '–' : f(x));
  const plain = rows.some((r) => r.plainTokensPerSec);
  const headers = ['backend', 'mixer', 'train tok/s', 'ms/step', 'GFLOP/s', ...(plain ? ['plain tok/s', 'speed-up'] : []), 'PyTorch tok/s', '× PyTorch', '× PyTorch standard', ...contexts.map((c) => `decode tok/s @${c}`)];
  console.log(
    markdownTable(
      headers,
      rows.map((r) => [
        r.backend,
        r.mixer,
        Math.round(r.trainTokensPerSec),
        r.msPerStep,
        r.trainGflops,
        ...(plain ? [r.plainTokensPerSec ? Math.round(r.plainTokensPerSec) : '–', r.plainTokensPerSec ? `${(r.trainTokensPerSec / r.plainTokensPerSec).toFixed(2)}×` : '–'] : []),
        r.torch ? Math.round(r.torch.tokensPerSec) : '–',
        dash(r.ratio, (v) => v.toFixed(2)),
        dash(r.ratioToTorchStandard, (v) => v.toFixed(2)),
        ...contexts.map((c) => Math.round(r.decodeTokensPerSec[String(c)]!)),
      ]),
    ),
  );
  for (const r of rows.filter((x) => x.profile)) {
    for (const [which, pr] of Object.entries(r.profile!) as [string, StepProfile][]) {
      console.log(`\nProfile of one step, ${r.mixer} (${which === 'fused' ? 'fused kernels' : 'plain tfjs path'}): ${pr.kernels} kernels, ${pr.kernelMs.toFixed(1)} ms of kernel time`);
      console.log(markdownTable(['kernel', 'calls', 'ms'], pr.byKernel.slice(0, 12).map((k) => [k.name, k.calls, k.ms])));
    }
  }
  const missing = rows.filter((r) => r.torchError);
  for (const r of missing) console.log(`\nPyTorch, ${r.mixer}: ${r.torchError}`);
  const best = (rows.find((r) => r.plan === 'uniform:standard' && r.torch) ?? rows.find((r) => r.torch))?.torch;
  if (best) console.log(`\nPyTorch ${best.torchVersion}: best of the thread splits (BLAS × torch threads) per model; standard attention's best was ${best.blasThreads} × ${best.torchThreads}.`);
}
