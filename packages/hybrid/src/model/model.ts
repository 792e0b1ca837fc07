import * as tf from '@tensorflow/tfjs-core';
import {
  DeconattnError,
  INIT_STD,
  ShapeError,
  deriveSeed,
  embeddingLookup,
  initTensor,
  linear,
  linearTransposed,
  resolveMixer,
  rmsNorm,
  swiglu,
  type CaptureHooks,
  type FixedStreamSource,
  type MixerContext,
  type MixerEnvironment,
  type MixerState,
  type ModelDims,
  type ParamSpec,
  type TokenMixer,
  type TokenMixerDefinition,
} from '@deconattn/core';
import { dimsOf, validateConfig, type ModelConfig } from './config.js';
import { resolvePlan, validatePlan, type LayerPlan, type SkipMode } from './plan.js';

/** A named model tensor, as it appears in the checkpoint (Qwen2 names). */
export interface ModelParam {
  name: string;
  variable: tf.Variable;
  /** `linear` weights are held `[in, out]` and stored `[out, in]`; `buffer`s are not trained. */
  kind: ParamSpec['kind'] | 'embedding' | 'buffer';
}

interface Layer {
  index: number;
  mixerId: string;
  definition: TokenMixerDefinition;
  mixer: TokenMixer;
  mixerOptions: unknown;
  /** Mixer weights keyed by the mixer's own names (`q_proj.weight`, …). */
  mixerWeights: Record<string, tf.Variable>;
  attnNorm: tf.Variable;
  ffnNorm: tf.Variable;
  gate: tf.Variable;
  up: tf.Variable;
  down: tf.Variable;
}

/** Decoding state: one mixer state per layer plus the number of tokens consumed. */
export interface DecodeState {
  length: number;
  batch: number;
  layers: MixerState[];
}

export interface ForwardOptions {
  training?: boolean;
  capture?: CaptureHooks;
  /** Decoding: the per-layer states; the call consumes `ids` as the next tokens. */
  state?: DecodeState;
}

export interface CreateModelOptions {
  config: ModelConfig;
  plan: LayerPlan;
  /** Seed for every initial weight (and the random fixed stream). */
  seed?: number;
  /** Offered to mixers' `prepare` (e.g. fixed-seq-qk tokenizes its fixed text with it). */
  environment?: Omit<MixerEnvironment, 'dims'>;
  /**
   * Options a checkpoint recorded, per mixer id, with the package version that wrote them. They
   * take the place of `plan.mixerOptions` for those ids and are read with the definition's
   * `loadOptions` (the recorded version's defaults, old names), so a saved model keeps its meaning.
   */
  recordedOptions?: Record<string, { options: unknown; version?: string }>;
}

let modelCounter = 0;

/**
 * The decoder LM of docs/model.md §2 built from a layer plan: pre-norm blocks
 * `H ← H + Mixer(RMSNorm(H))`, `H ← H + SwiGLU(RMSNorm(H))`, final RMSNorm, tied output head.
 * Any registered mixer can sit at any layer; a model-level fixed stream (docs/model.md §3.5–3.6) runs
 * through every block with the same weights when some layer asks for one.
 */
export class LanguageModel {
  readonly config: ModelConfig;
  readonly dims: ModelDims;
  readonly plan: LayerPlan;
  /** Resolved mixer id per layer, in layer order. */
  readonly layerMixers: string[];
  readonly seed: number;
  readonly layers: Layer[];
  readonly embed: tf.Variable;
  readonly finalNorm: tf.Variable;
  readonly lmHead?: tf.Variable;
  /** Where the fixed stream starts, when some layer needs one. */
  readonly stream?: FixedStreamSource;
  readonly streamEmbedding?: tf.Variable;
  private skipMode: SkipMode | null = null;
  private readonly params: ModelParam[] = [];
  private readonly staticEmbeddingsNeeded: boolean;
  private weightsVersion = 0;
  private cache: { version: number; streamHn: tf.Tensor3D[]; perLayer: Map<string, tf.Tensor>[] } | null = null;
  private disposed = false;

  static async create(opts: CreateModelOptions): Promise<LanguageModel> {
    const config = validateConfig({ ...opts.config });
    validatePlan(opts.plan);
    const ids = resolvePlan(opts.plan, config.numLayers);
    const defs = new Map<string, TokenMixerDefinition>();
    for (const id of new Set(ids)) defs.set(id, await resolveMixer(id));
    const live = new Set(Object.keys(tf.engine().registeredVariables));
    try {
      return new LanguageModel(config, opts.plan, ids, defs, opts.seed ?? 0, { ...opts.environment, dims: dimsOf(config) }, opts.recordedOptions ?? {});
    } catch (e) {
      // Failing half-way (a bad mixer option, a fixed sequence of the wrong length) must not keep
      // the weights made before: free every variable the constructor registered.
      for (const [name, v] of Object.entries(tf.engine().registeredVariables)) if (!live.has(name)) v.dispose();
      throw e;
    }
  }

  private constructor(
    config: ModelConfig,
    plan: LayerPlan,
    ids: string[],
    defs: Map<string, TokenMixerDefinition>,
    seed: number,
    env: MixerEnvironment,
    recorded: NonNullable<CreateModelOptions['recordedOptions']>,
  ) {
    this.config = config;
    this.dims = dimsOf(config);
    this.plan = plan;
    this.layerMixers = ids;
    this.seed = seed;
    this.skip = plan.skip ?? null;
    const tag = `deconattn${++modelCounter}`;
    const mk = (name: string, spec: Pick<ParamSpec, 'shape' | 'init'>, kind: ModelParam['kind']): tf.Variable => {
      const v = tf.tidy(() => tf.variable(initTensor(spec, deriveSeed(seed, name)), kind !== 'buffer', `${tag}/${name}`));
      this.params.push({ name, variable: v, kind });
      return v;
    };
    const d = config.hiddenSize;
    const normal = { type: 'normal', std: INIT_STD } as const;
    const ones = { type: 'ones' } as const;
    this.embed = mk('model.embed_tokens.weight', { shape: [config.vocabSize, d], init: normal }, 'embedding');

    let stream: FixedStreamSource | undefined;
    let streamOwner = '';
    let needStatic = false;
    this.layers = ids.map((id, i) => {
      const def = defs.get(id)!;
      const rec = Object.hasOwn(recorded, id) ? recorded[id] : undefined;
      const parsed = !rec ? def.parseOptions(plan.mixerOptions?.[id] ?? {}) : def.loadOptions ? def.loadOptions(rec.options, rec.version ?? '0.0.0') : def.parseOptions(rec.options);
      const options = def.prepare ? def.prepare(parsed, env) : parsed;
      const needs = def.needs(options, this.dims);
      needStatic ||= !!needs.staticEmbeddings;
      if (needs.fixedStream) {
        if (stream && JSON.stringify(stream) !== JSON.stringify(needs.fixedStream)) {
          throw new DeconattnError(`Layers ${streamOwner} and ${id} (layer ${i + 1}) ask for different fixed streams; a model has one fixed stream. Give both the same stream options.`);
        }
        stream = needs.fixedStream;
        streamOwner = `${id} (layer ${i + 1})`;
      }
      const mixer = def.create(this.dims, options);
      const prefix = `model.layers.${i}`;
      const attnNorm = mk(`${prefix}.input_layernorm.weight`, { shape: [d], init: ones }, 'norm');
      const mixerWeights: Record<string, tf.Variable> = {};
      for (const spec of mixer.params()) mixerWeights[spec.name] = mk(`${prefix}.self_attn.${spec.name}`, spec, spec.kind);
      const ffnNorm = mk(`${prefix}.post_attention_layernorm.weight`, { shape: [d], init: ones }, 'norm');
      const f = config.intermediateSize;
      const gate = mk(`${prefix}.mlp.gate_proj.weight`, { shape: [d, f], init: normal }, 'linear');
      const up = mk(`${prefix}.mlp.up_proj.weight`, { shape: [d, f], init: normal }, 'linear');
      const down = mk(`${prefix}.mlp.down_proj.weight`, { shape: [f, d], init: normal }, 'linear');
      return { index: i, mixerId: id, definition: def, mixer, mixerOptions: options, mixerWeights, attnNorm, ffnNorm, gate, up, down };
    });
    this.finalNorm = mk('model.norm.weight', { shape: [d], init: ones }, 'norm');
    if (!config.tieEmbeddings) this.lmHead = mk('lm_head.weight', { shape: [d, config.vocabSize], init: normal }, 'linear');
    this.stream = stream;
    this.staticEmbeddingsNeeded = needStatic;
    const s = stream as FixedStreamSource | undefined;
    if (s?.kind === 'random') {
      // ε ~ N(0, std²) drawn from the mixer's own seed, not trainable (docs/model.md §3.5), saved with the checkpoint.
      const spec: Pick<ParamSpec, 'shape' | 'init'> = { shape: [config.maxPositions, d], init: { type: 'normal', std: s.std } };
      this.streamEmbedding = mk('model.fixed_stream.embedding', spec, 'buffer');
      tf.tidy(() => this.streamEmbedding!.assign(initTensor(spec, s.seed)));
    }
    if (s?.kind === 'tokens' && s.tokenIds.length !== config.maxPositions) {
      throw new DeconattnError(`The fixed sequence has ${s.tokenIds.length} tokens but the model's maxPositions (Lmax) is ${config.maxPositions}: they must be equal.`);
    }
  }

  /** Every model tensor with its checkpoint name, in a stable order. */
  namedParams(): readonly ModelParam[] {
    return this.params;
  }

  trainableVariables(): tf.Variable[] {
    return this.params.filter((p) => p.kind !== 'buffer').map((p) => p.variable);
  }

  parameterCount(opts: { includeBuffers?: boolean } = {}): number {
    return this.params.filter((p) => opts.includeBuffers || p.kind !== 'buffer').reduce((n, p) => n + p.variable.size, 0);
  }

  /** Parameters of each layer's mixer sublayer. */
  mixerParameterCounts(): number[] {
    return this.layers.map((l) => Object.values(l.mixerWeights).reduce((n, v) => n + v.size, 0));
  }

  /** Call after changing weights (optimizer step, load): drops input-independent caches. */
  markWeightsChanged(): void {
    this.weightsVersion++;
    this.dropCache();
  }

  private dropCache(): void {
    if (!this.cache) return;
    this.cache.streamHn.forEach((t) => t.dispose());
    this.cache.perLayer.forEach((m) => m.forEach((t) => t.dispose()));
    this.cache = null;
  }

  /** Evaluate without the relaxed layers (docs/model.md §4 skip); null = all layers run. */
  get skip(): SkipMode | null {
    return this.skipMode;
  }

  /** The cached fixed stream passes every block, skipped ones included: a new setting drops it. */
  set skip(mode: SkipMode | null) {
    if (mode === this.skipMode) return;
    this.skipMode = mode;
    this.dropCache();
  }

  /** Whether layer `index` (0-based) is left out under the current skip mode: its mixer is relaxed (role, not id). */
  isSkippedLayer(index: number): boolean {
    const layer = this.layers[index];
    return !!layer && this.isSkipped(layer);
  }

  private isSkipped(layer: Layer): boolean {
    return this.skip !== null && layer.definition.role !== 'baseline';
  }

  private checkIds(ids: tf.Tensor, offset: number): void {
    if (ids.rank !== 2) throw new ShapeError(`Token ids must be a 2-D [batch, length] tensor, got shape [${ids.shape.join(', ')}].`);
    if (ids.shape[1] === 0) throw new ShapeError('Token ids are empty: give at least one token per sequence.');
    if (this.stream && offset + ids.shape[1]! > this.config.maxPositions) {
      throw new ShapeError(
        `This model's fixed-stream mixers (${this.layerMixers.filter((_, i) => this.layers[i]!.definition.needs(this.layers[i]!.mixerOptions, this.dims).fixedStream).join(', ')}) have maps of length Lmax = ${this.config.maxPositions}; ` +
          `a sequence reaching position ${offset + ids.shape[1]!} is longer. Use at most ${this.config.maxPositions} tokens (windowed scoring does this).`,
      );
    }
  }

  /** The context of a mixer call at `layer`: what every call shares, plus what differs between the stream and the batch. */
  private mixerContext(layer: Layer, training: boolean, call: Omit<MixerContext, 'layer' | 'numLayers' | 'dims' | 'training' | 'attentionNorm'>): MixerContext {
    return {
      layer: layer.index,
      numLayers: this.layers.length,
      dims: this.dims,
      training,
      attentionNorm: (x) => rmsNorm(x, layer.attnNorm, this.config.rmsNormEps) as tf.Tensor3D,
      ...call,
    };
  }

  /** Runs one block on `h` (B×T×d); returns the new residual stream. */
  private block(layer: Layer, h: tf.Tensor3D, mix: (hn: tf.Tensor3D) => tf.Tensor3D): tf.Tensor3D {
    const skipped = this.isSkipped(layer);
    if (skipped && this.skip === 'block') return h;
    let out = h;
    if (!skipped) out = tf.add(out, mix(rmsNorm(out, layer.attnNorm, this.config.rmsNormEps) as tf.Tensor3D)) as tf.Tensor3D;
    const fn = rmsNorm(out, layer.ffnNorm, this.config.rmsNormEps);
    return tf.add(out, swiglu(fn, layer.gate, layer.up, layer.down)) as tf.Tensor3D;
  }

  /** The fixed stream's initial value X₀ (1×Lmax×d). */
  private streamStart(): tf.Tensor3D {
    const s = this.stream!;
    if (s.kind === 'random') return tf.expandDims(this.streamEmbedding!, 0) as tf.Tensor3D;
    return embeddingLookup(this.embed as tf.Tensor2D, tf.tensor2d(s.tokenIds, [1, s.tokenIds.length], 'int32')) as tf.Tensor3D;
  }

  /**
   * The normalised fixed stream entering each layer's mixer (`RMSNorm_attn_l(X_l)`), one per
   * layer. At inference it is computed once per weight version and cached.
   */
  private streamInputs(training: boolean): tf.Tensor3D[] {
    const run = (): tf.Tensor3D[] => {
      const out: tf.Tensor3D[] = [];
      let x = this.streamStart();
      const x0 = x;
      for (const layer of this.layers) {
        const xn = rmsNorm(x, layer.attnNorm, this.config.rmsNormEps) as tf.Tensor3D;
        out.push(xn);
        x = this.block(layer, x, (hn) =>
          layer.mixer.apply(hn, layer.mixerWeights, this.mixerContext(layer, training, { positionOffset: 0, staticEmbeddings: x0, stream: { hn: xn } })),
        );
      }
      return out;
    };
    if (training) return run();
    if (!this.cache || this.cache.version !== this.weightsVersion) {
      this.dropCache();
      const streamHn = tf.tidy(() => run()).map((t) => tf.keep(t));
      this.cache = { version: this.weightsVersion, streamHn, perLayer: this.layers.map(() => new Map()) };
    }
    return this.cache.streamHn;
  }

  private inferenceCache(layer: number, training: boolean): Map<string, tf.Tensor> | undefined {
    if (training) return undefined;
    if (!this.cache || this.cache.version !== this.weightsVersion) {
      this.dropCache();
      this.cache = { version: this.weightsVersion, streamHn: [], perLayer: this.layers.map(() => new Map()) };
    }
    return this.cache.perLayer[layer];
  }

  /**
   * Final hidden states (after the final norm), `B×T×d`, for int32 token ids `B×T`. Call inside
   * `tf.tidy` (or dispose the result). With `state`, consumes the ids as the next tokens.
   */
  hidden(ids: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    this.assertAlive();
    const training = !!opts.training;
    const state = opts.state;
    const offset = state ? state.length : 0;
    this.checkIds(ids, offset);
    if (state && state.batch !== ids.shape[0]) throw new ShapeError(`The decoding state is for batch ${state.batch}, but ${ids.shape[0]} sequences were given.`);
    const emb = embeddingLookup(this.embed as tf.Tensor2D, ids) as tf.Tensor3D;
    const streamHn = this.stream ? this.streamInputs(training) : undefined;
    let h = emb;
    for (const layer of this.layers) {
      h = this.block(layer, h, (hn) =>
        layer.mixer.apply(
          hn,
          layer.mixerWeights,
          this.mixerContext(layer, training, {
            positionOffset: offset,
            staticEmbeddings: this.staticEmbeddingsNeeded ? emb : undefined,
            stream: streamHn ? { hn: streamHn[layer.index]! } : undefined,
            state: state?.layers[layer.index],
            inferenceCache: this.inferenceCache(layer.index, training),
            capture: opts.capture,
          }),
        ),
      );
    }
    if (state) state.length += ids.shape[1]!;
    return rmsNorm(h, this.finalNorm, this.config.rmsNormEps) as tf.Tensor3D;
  }

  /** Output logits `B×T×V` from final hidden states. */
  logitsFromHidden(h: tf.Tensor3D): tf.Tensor3D {
    return (this.lmHead ? linear(h, this.lmHead) : linearTransposed(h, this.embed)) as tf.Tensor3D;
  }

  logits(ids: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.logitsFromHidden(this.hidden(ids, opts)));
  }

  /** A fresh decoding state for `batch` sequences. */
  initDecodeState(batch: number): DecodeState {
    return { length: 0, batch, layers: this.layers.map((l) => l.mixer.initState(batch)) };
  }

  disposeDecodeState(state: DecodeState): void {
    for (const s of state.layers) for (const t of Object.values(s.tensors)) t.dispose();
    state.layers.forEach((s) => (s.tensors = {}));
  }

  /** Mixer options per layer and the packages/versions that provide them (for the checkpoint). */
  mixerInfo(): { layer: number; id: string; options: unknown; package: string; version: string }[] {
    return this.layers.map((l) => ({ layer: l.index, id: l.mixerId, options: l.mixerOptions, package: l.definition.packageName, version: l.definition.packageVersion }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.dropCache();
    for (const p of this.params) p.variable.dispose();
    this.disposed = true;
  }

  private assertAlive(): void {
    if (this.disposed) throw new DeconattnError('This model has been disposed.');
  }
}
