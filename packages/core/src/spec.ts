import type * as tf from '@tensorflow/tfjs-core';

/**
 * The TokenMixer specification. A mixer package implements `TokenMixerDefinition` and registers
 * it; the model composes registered mixers per layer. `specificationVersion` lets the spec evolve
 * while older plugins keep working, as the Vercel AI SDK does: every interface a plugin implements
 * is named by its version (`TokenMixerDefinitionV1`, `TokenMixerV1`, `MixerContextV1`); the
 * unversioned names are aliases of the current version, and `upgradeMixerDefinition`
 * (spec-versions.ts) turns a definition of any supported version into the current one.
 */
export const TOKEN_MIXER_SPEC_VERSION = 'v1' as const;
export type TokenMixerSpecVersion = typeof TOKEN_MIXER_SPEC_VERSION;

/** The model dimensions a mixer is created for. */
export interface ModelDims {
  hiddenSize: number;
  numHeads: number;
  headDim: number;
  intermediateSize: number;
  /** Longest sequence the model is trained on (Lmax); also the length of a fixed stream. */
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
  vocabSize: number;
}

/** How a mixer decodes token by token. */
export type DecodingForm =
  | 'kv-cache' // keeps keys/values of past tokens (standard attention)
  | 'recurrent' // a fixed-size state updated per token (linear-time forms)
  | 'fixed-maps' // attention maps independent of the input, cached once; values cached per token
  | 'none'; // no token mixing: nothing to keep

/** Where a model-level fixed stream (docs/model.md §3.5–3.6) starts. */
export type FixedStreamSource =
  | { kind: 'random'; seed: number; std: number }
  | { kind: 'tokens'; tokenIds: number[] };

/** What a mixer needs from the model beyond its normalised input. */
export interface MixerNeeds {
  /** Static (uncontextualised) input-token embeddings `Emb(t)` in the context. */
  staticEmbeddings?: boolean;
  /** A model-level fixed stream running through every layer alongside the batch. */
  fixedStream?: FixedStreamSource;
}

/**
 * A parameter a mixer owns. The model creates and stores the variable; its checkpoint name is
 * `model.layers.{i}.self_attn.{name}`. `linear` weights are held `[in, out]` in memory (plain
 * 2-D matMuls are the fast path on wasm) and written `[out, in]` as Hugging Face stores them.
 */
export interface ParamSpec {
  name: string;
  shape: number[];
  kind: 'linear' | 'bias' | 'norm' | 'other';
  init: { type: 'normal'; std: number } | { type: 'zeros' } | { type: 'ones' };
}

/** Weights handed to a mixer, keyed by `ParamSpec.name`. */
export type MixerWeights = Readonly<Record<string, tf.Tensor>>;

/** Per-layer decoding state. The mixer owns its tensors: it keeps new ones and disposes old. */
export interface MixerState {
  /** Number of tokens already consumed. */
  length: number;
  tensors: Record<string, tf.Tensor>;
}

/**
 * Hooks to capture attention maps and pre-softmax logits (diagnostics: `deconattn analyze`, the
 * conformance kit). A mixer calls them only when `context.capture` has them, and only when its
 * definition says `hasAttentionMap: true`.
 *
 * Ownership, one rule for both hooks: **a captured tensor is lent to the hook for the duration of
 * the call.** It is an intermediate of the mixer's call like any other: the caller runs `apply`
 * inside `tf.tidy` (the model, `analyzeModel` and the kit all do), and the tidy frees it.
 * - The mixer passes a tensor it does not keep: it never `tf.keep`s it, never stores it (in
 *   `state`, the inference cache or on itself), and never disposes it before the hook returns.
 * - A hook that needs the values after it returns copies them: it reads them (`dataSync()`), or
 *   keeps a clone it disposes itself (`tf.keep(tf.clone(t))`, as `analyzeModel` does).
 * The kit runs its leak checks with both hooks set and fails a mixer that keeps a captured tensor
 * (one more tensor per call) or hands over a disposed one.
 */
export interface CaptureHooks {
  /**
   * Attention map `B×h×Lq×Lk`: the weight each query puts on each key, keys indexed by absolute
   * position (`Lk` = every position up to the last query). Rows sum to 1 over the causal
   * positions (a mixer whose `mapForm` says `signed` may report negative weights); entries above
   * the diagonal are 0.
   */
  attention?(layer: number, map: tf.Tensor4D): void;
  /**
   * Pre-softmax scores `B×h×Lq×Lk`: exactly what the softmax is applied to at the positions a
   * query sees, any additive term included (a position bias such as ALiBi's `−m·(i − j)` is part
   * of the logit; the mixer's README states it, since it sets the range diagnostics report). The
   * causal mask is not: consumers read only `j ≤ i`, whatever lies above the diagonal. A mixer
   * whose weights are not a softmax of scores passes the scores its weighting is a function of
   * (and says so) or none; a mixer whose visible keys are not all causal positions (a window)
   * passes none, since consumers would count the hidden ones.
   */
  logits?(layer: number, logits: tf.Tensor4D): void;
}

export interface MixerContextV1 {
  /** 0-based layer index and the number of layers. */
  layer: number;
  numLayers: number;
  dims: ModelDims;
  /** Position of the first token of `hn` (non-zero while decoding). */
  positionOffset: number;
  training: boolean;
  /** `Emb(t)` of the current input tokens, `B×T×d`, when the mixer declared `staticEmbeddings`. */
  staticEmbeddings?: tf.Tensor3D;
  /** The fixed stream at this layer, normalised by this layer's attention norm: `1×Lmax×d`. */
  stream?: { hn: tf.Tensor3D };
  /** Decoding: this layer's state; absent for a parallel (training/scoring) pass. */
  state?: MixerState;
  /**
   * Scratch space that survives across calls while the weights do not change (inference only):
   * lets input-independent work (fixed-stream maps) be computed once. Tensors stored here are kept
   * and disposed by the model when weights change.
   */
  inferenceCache?: Map<string, tf.Tensor>;
  capture?: CaptureHooks;
  /**
   * This layer's attention RMSNorm with its learned scale, for mixers that normalise another
   * source the same way (static-emb-qk normalises the static embeddings, docs/model.md §3.7).
   */
  attentionNorm?: (x: tf.Tensor3D) => tf.Tensor3D;
}

/** What the model offers a mixer's `prepare`. */
export interface MixerEnvironment {
  dims: ModelDims;
  /** The model's tokenizer, when it has one. */
  tokenizer?: { encode(text: string): number[] };
  /** Token ids of the default fixed natural-text passage (from the bundled corpus), `length` long. */
  defaultPassage?(length: number): number[];
}

/**
 * How a captured map relates to the mixer's output when it is not plain attention's `A V`.
 * `signed`: rows still sum to 1, but weights may be negative (diagnostics then report each row's
 * negative mass). `outputScale`: the output is `outputScale · concat_h(A_h V_h) W_O` (a map that
 * is the mean of several row-stochastic terms whose sum the mixer applies). Absent: plain
 * attention, non-negative weights, scale 1.
 */
export interface AttentionMapForm {
  signed?: boolean;
  outputScale?: number;
}

/** A mixer instance for one set of dims and options. Stateless: weights come with each call. */
export interface TokenMixerV1<Options = unknown> {
  readonly id: string;
  readonly options: Options;
  /** What its captured maps are, when they are not plain attention weights (see AttentionMapForm). */
  readonly mapForm?: AttentionMapForm;
  /** The parameters this mixer owns (names relative to `self_attn.`). */
  params(): ParamSpec[];
  /**
   * Parallel form: `hn` is `B×T×d`, the output is `B×T×d`, causal. With `context.state` set, this
   * is the decoding form: `hn` holds the next tokens (positions `state.length …`), and the mixer
   * updates `state` in place.
   *
   * Tensor ownership: `hn`, the weights and every tensor in the context belong to the caller (never
   * dispose them); the returned tensor goes to the caller; intermediates, captured maps and logits
   * included, are freed by the caller's `tf.tidy` (never `tf.keep` them). Only state tensors (kept
   * by the mixer, the old ones disposed by it) and inference-cache entries (kept by the mixer,
   * disposed by the model) outlive the call.
   */
  apply(hn: tf.Tensor3D, weights: MixerWeights, context: MixerContextV1): tf.Tensor3D;
  /** A fresh decoding state for batch size `batch`. */
  initState(batch: number): MixerState;
}

/**
 * What a mixer is in a comparison. `baseline`: the reference the others are measured against,
 * i.e. standard attention or an exact equivalent of it; a model evaluated with `skip` keeps its
 * baseline layers, and studies compare every other mixer with it. `relaxed`: every other mixer
 * (anything that changes what standard attention computes); `skip` removes it. A plugin is
 * `relaxed` unless it reimplements standard attention.
 */
export type MixerRole = 'baseline' | 'relaxed';
export const MIXER_ROLES: readonly MixerRole[] = ['baseline', 'relaxed'];

export interface TokenMixerDefinitionV1<Options = any> {
  /** The spec version this definition implements: `TOKEN_MIXER_SPEC_VERSION` (`'v1'`). */
  specificationVersion: 'v1';
  /**
   * How plans and checkpoints name it: lower-case letters, digits, `.`, `_`, `%`, `-`, starting
   * with a letter or digit. Ids are global: pick one no other package uses.
   */
  id: string;
  /** `'baseline'` (standard attention or an exact equivalent) or `'relaxed'` (everything else); see MixerRole. */
  role: MixerRole;
  /**
   * The npm package that provides it and its version, as in that package's package.json
   * (checkpoints record both, and the CLI loads a checkpoint's mixer from the package named here).
   */
  packageName: string;
  packageVersion: string;
  /**
   * Which design principle of attention it relaxes, for people (listings, reports; nothing parses
   * it). Start with one of the four: `token mixing` (information moves between positions),
   * `mathematical form` (q·k similarity then softmax), `sequence dependency` (the weights depend on
   * the input), `current QK` (queries and keys come from the layer's own input); then how, e.g.
   * `'sequence dependency (weights depend only on the distance i − j)'`. A baseline says `'none'`;
   * a mixer that relaxes none of the four says `'none of the four: …'` and what it changes.
   */
  principle: string;
  /** One sentence: what it computes. */
  description: string;
  /** How it decodes token by token (see DecodingForm); the kit checks it against what `apply` does with a state. */
  decoding: DecodingForm;
  /** Whether it computes an attention map and calls the capture hooks; `mlp` has none. */
  hasAttentionMap: boolean;
  /** The options a plan that names none gets; JSON-serialisable (checkpoints record options as JSON). */
  defaultOptions: Options;
  /**
   * Validates user options (merged over defaults) and returns every option with its value, or
   * throws a clear error. Checkpoints record what this returns, defaults included, so a saved
   * model means the same after a default changes.
   */
  parseOptions(raw: unknown): Options;
  /**
   * Reads the options a checkpoint recorded for this mixer, written by version `recordedVersion`
   * of its package ('0.0.0' when the checkpoint names none). An option the recorded version did
   * not write takes that version's default, and renamed or retired values are accepted, so an old
   * checkpoint computes what it computed when it was saved. Optional: without it, recorded
   * options go through `parseOptions`.
   */
  loadOptions?(recorded: unknown, recordedVersion: string): Options;
  /**
   * Completes options that depend on the model's environment before `needs`/`create` (e.g. the
   * token ids of `fixed-seq-qk`'s fixed text, from the model's tokenizer). Optional.
   */
  prepare?(options: Options, env: MixerEnvironment): Options;
  /** What the mixer needs from the model for these options (`{}`: only its normalised input). */
  needs(options: Options, dims: ModelDims): MixerNeeds;
  /** The mixer for these dims and (parsed, prepared) options; called once per layer. */
  create(dims: ModelDims, options: Options): TokenMixerV1<Options>;
}

/** The current version of each spec interface (what the model and new plugins use). */
export type TokenMixerDefinition<Options = any> = TokenMixerDefinitionV1<Options>;
export type TokenMixer<Options = unknown> = TokenMixerV1<Options>;
export type MixerContext = MixerContextV1;

/** Count the elements of a list of parameter specs. */
export function countParams(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}
