import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, getMixer, listMixers } from '@deconattn/core';
import { parsePlan, planLabel, resolvePlan, type LayerPlan } from '@deconattn/hybrid';
import { setup } from '../util/context.js';
import { formatNumber, markdownTable } from '../util/table.js';
import { benchConfig, trainFlopsPerToken, type BenchConfig } from '../bench/configs.js';
import { BENCH_TRAINING, decodeSpeed, trainSpeed } from '../bench/measure.js';
import { findTorchPython, runTorchBench, type TorchResult } from '../bench/torch.js';

export interface BenchOptions {
  config: string;
  backends: string;
  /** Comma list of mixers, each benchmarked as `uniform:<mixer>`; `all` = every registered one. */
  mixers: string;
  /** A single plan instead of the mixer list. */
  plan?: string;
  steps: number;
  /** Decoding contexts (tokens already consumed), comma list; '' or 'none' skips decoding. */
  decode: string;
  decodeTokens: number;
  /** 'auto' (find python with torch), 'off', or a python executable. */
  torch: string;
  torchSplits: string;
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
  /** PyTorch's training tokens/s for the same model (best thread split), when measured. */
  torch: TorchResult | null;
  torchError?: string;
  /** trainTokensPerSec / PyTorch's, same model. */
  ratio: number | null;
  /** trainTokensPerSec / PyTorch's for standard attention (the reference model). */
  ratioToTorchStandard: number | null;
  /** Decoding tokens/s keyed by context length. */
  decodeTokensPerSec: Record<string, number>;
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
  const cfg = benchConfig(o.config);
  const backends = o.backends.split(',').map((b) => b.trim()).filter(Boolean);
  const contexts = decodeContexts(o.decode);
  const log = (s: string) => {
    if (!o.json) console.error(s);
  };
  let python: string | undefined;
  let torchNote = 'not measured (--torch off)';
  if (o.torch !== 'off') {
    const found = findTorchPython(o.torch === 'auto' ? undefined : o.torch);
    python = found.python;
    torchNote = python ? `${found.why} (${python})` : `not measured: ${found.why}`;
    log(`PyTorch: ${torchNote}`);
  }
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
    for (const p of plansOf(o)) {
      log(`${backend} ${p.text}: training…`);
      const speed = await trainSpeed(cfg, p.plan, o.steps);
      if (python && !torchByMixer.has(p.text)) {
        log(`${backend} ${p.text}: PyTorch…`);
        torchByMixer.set(p.text, runTorchBench({ python, config: speed.configJson, batchSize: cfg.batchSize, seqLen: cfg.seqLen, steps: o.steps, ...BENCH_TRAINING, splits: o.torchSplits, timeoutMs: 30 * 60_000 }));
      }
      const decode: Record<string, number> = {};
      for (const c of contexts) {
        log(`${backend} ${p.text}: decoding at ${c} tokens of context…`);
        decode[String(c)] = await decodeSpeed(cfg, p.plan, c, o.decodeTokens);
      }
      const torch = torchByMixer.get(p.text);
      if (torch?.result && torch.result.params !== speed.params) {
        torch.error = `PyTorch's model has ${torch.result.params} parameters, ours ${speed.params}: not the same model, no ratio given`;
        delete torch.result;
      }
      const torchStd = torchByMixer.get('uniform:standard')?.result;
      const flops = trainFlopsPerToken(cfg.model, cfg.seqLen, speed.matrixParams, mapLayers(cfg, p.plan));
      rows.push({
        backend: tf.getBackend(),
        mixer: p.mixer,
        plan: p.text,
        params: speed.params,
        trainTokensPerSec: speed.tokensPerSec,
        msPerStep: speed.msPerStep,
        msPerStepAll: speed.msPerStepAll,
        trainGflops: (flops * speed.tokensPerSec) / 1e9,
        torch: torch?.result ?? null,
        ...(torch?.error ? { torchError: torch.error } : {}),
        ratio: torch?.result ? speed.tokensPerSec / torch.result.tokensPerSec : null,
        ratioToTorchStandard: torchStd ? speed.tokensPerSec / torchStd.tokensPerSec : null,
        decodeTokensPerSec: decode,
      });
    }
  }
  if (!rows.length) throw new DeconattnError('No backend could be benchmarked.');
  const result = { config: cfg, steps: o.steps, decodeTokens: o.decodeTokens, torch: torchNote, date: new Date().toISOString(), rows };
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  if (o.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const m = cfg.model;
  console.log(
    `Config '${cfg.name}': d ${m.hiddenSize}, ${m.numLayers} layers, FFN ${m.intermediateSize}, ${m.numHeads} heads, vocabulary ${m.vocabSize}; ` +
      `training batch ${cfg.batchSize} × ${cfg.seqLen} tokens (forward, backward, clipping, AdamW), median of ${o.steps} steps. PyTorch: ${torchNote}.\n`,
  );
  const dash = (x: number | null | undefined, f = (v: number) => formatNumber(v)) => (x == null ? '–' : f(x));
  const headers = ['backend', 'mixer', 'train tok/s', 'ms/step', 'GFLOP/s', 'PyTorch tok/s', '× PyTorch', '× PyTorch standard', ...contexts.map((c) => `decode tok/s @${c}`)];
  console.log(
    markdownTable(
      headers,
      rows.map((r) => [
        r.backend,
        r.mixer,
        Math.round(r.trainTokensPerSec),
        r.msPerStep,
        r.trainGflops,
        r.torch ? Math.round(r.torch.tokensPerSec) : '–',
        dash(r.ratio, (v) => v.toFixed(2)),
        dash(r.ratioToTorchStandard, (v) => v.toFixed(2)),
        ...contexts.map((c) => Math.round(r.decodeTokensPerSec[String(c)]!)),
      ]),
    ),
  );
  const missing = rows.filter((r) => r.torchError);
  for (const r of missing) console.log(`\nPyTorch, ${r.mixer}: ${r.torchError}`);
  const best = (rows.find((r) => r.plan === 'uniform:standard' && r.torch) ?? rows.find((r) => r.torch))?.torch;
  if (best) console.log(`\nPyTorch ${best.torchVersion}: best of the thread splits (BLAS × torch threads) per model; standard attention's best was ${best.blasThreads} × ${best.torchThreads}.`);
}
