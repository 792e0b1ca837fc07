import * as tf from '@tensorflow/tfjs-core';
// Importing it registers tfjs's cpu backend, so that a fixture works before any `await useBackend(…)`.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  DeconattnError,
  SeededRandom,
  deriveSeed,
  rmsNorm,
  type CaptureHooks,
  type MixerContext,
  type MixerEnvironment,
  type MixerNeeds,
  type MixerState,
  type ModelDims,
  type ParamSpec,
  type TokenMixer,
  type TokenMixerDefinition,
} from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { ConformanceError } from './compare.js';
import { defaultEnvironment, resolveDims, type ConformanceOptions } from './options.js';

/**
 * A fixture creates tensors in its constructor, so it needs an active tfjs backend. With none
 * active (a plugin test that did not call `useBackend`), it activates cpu: its set-up is
 * synchronous and exact. Another backend: `await MixerFixture.create(def, { backend })`.
 */
function ensureBackend(): void {
  const engine = tf.engine() as unknown as { backendInstance?: unknown; pendingBackendInit?: unknown };
  if (engine.backendInstance) return;
  if (engine.pendingBackendInit) {
    throw new DeconattnError('MixerFixture: a tfjs backend is still initialising; await useBackend(name) (from @deconattn/testkit) before creating the fixture.');
  }
  if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  tf.env().set('PROD', true); // as useBackend('cpu'): no "install tfjs-node" banner in test output
  void tf.setBackend('cpu'); // cpu initialises synchronously: active when this returns
  if (!engine.backendInstance) throw new DeconattnError("MixerFixture: no tfjs backend is active and cpu could not be set up; await useBackend('cpu') (from @deconattn/testkit) before creating the fixture.");
}

/** Random values from a seed, computed in JS so every backend sees the same numbers. */
export function randomArray(n: number, seed: number, std = 1, mean = 0): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * rng.normal();
  return out;
}

/**
 * Random weights for a mixer's parameters, scaled so that scores are O(1) and every term matters:
 * weight matrices N(0, 1/in) (a real model's 0.02 would make every map nearly uniform and hide
 * bugs), biases and `zeros` N(0, 0.1²), `ones` 1 + N(0, 0.1²). Held as variables (gradients).
 */
export function randomWeights(specs: readonly ParamSpec[], seed: number): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const s = deriveSeed(seed, spec.name);
    let values: Float32Array;
    if (spec.init.type === 'ones') values = randomArray(n, s, 0.1, 1);
    else if (spec.init.type === 'zeros' || spec.kind === 'bias') values = randomArray(n, s, 0.1);
    else values = randomArray(n, s, spec.shape.length >= 2 ? 1 / Math.sqrt(spec.shape[0]!) : 0.5);
    out[spec.name] = tf.variable(tf.tensor(values, spec.shape, 'float32'), true);
  }
  return out;
}

/** A context extension the kit always passes: the layer's attention norm (for static-embedding mixers). */
export interface KitContext extends MixerContext {
  attentionNorm?: (x: tf.Tensor3D) => tf.Tensor3D;
}

/**
 * A mixer created for the kit's dims with random weights and the extra inputs its needs() asks
 * for. `new MixerFixture(def, opts)` runs on the active backend (cpu when none is active);
 * `await MixerFixture.create(def, opts)` first activates `opts.backend` (default cpu).
 */
export class MixerFixture {
  /** Activates `opts.backend` (default cpu), then creates the fixture. */
  static async create(definition: TokenMixerDefinition, opts: ConformanceOptions = {}): Promise<MixerFixture> {
    await useBackend(opts.backend ?? 'cpu');
    return new MixerFixture(definition, opts);
  }

  readonly dims: ModelDims;
  readonly options: unknown;
  readonly needs: MixerNeeds;
  readonly mixer: TokenMixer;
  readonly weights: Record<string, tf.Variable>;
  /** This layer's normalised fixed stream (1×Lmax×d), when the mixer asks for one. */
  readonly stream?: tf.Tensor3D;
  /** The attention-norm scale the kit's `attentionNorm` applies (random, not ones). */
  readonly normWeight: tf.Tensor1D;
  readonly batch: number;
  readonly length: number;
  readonly seed: number;

  constructor(
    readonly definition: TokenMixerDefinition,
    opts: ConformanceOptions = {},
  ) {
    ensureBackend();
    this.dims = resolveDims(opts.dims);
    this.options = prepareOptions(definition, opts, this.dims);
    this.needs = definition.needs(this.options, this.dims);
    this.mixer = definition.create(this.dims, this.options);
    this.seed = opts.seed ?? 1;
    this.batch = opts.batch ?? 2;
    this.length = opts.length ?? Math.max(1, this.dims.maxPositions - 2);
    this.weights = randomWeights(this.mixer.params(), this.seed);
    const d = this.dims.hiddenSize;
    if (this.needs.fixedStream) this.stream = tf.tensor3d(randomArray(this.dims.maxPositions * d, this.seed + 101), [1, this.dims.maxPositions, d]);
    this.normWeight = tf.tensor1d(randomArray(d, this.seed + 102, 0.1, 1));
  }

  /** A random input `hn` (B×T×d) and static embeddings of the same shape, from `seed`. */
  input(seed = this.seed + 7, batch = this.batch, length = this.length): { hn: tf.Tensor3D; emb: tf.Tensor3D } {
    const d = this.dims.hiddenSize;
    return {
      hn: tf.tensor3d(randomArray(batch * length * d, seed), [batch, length, d]),
      emb: tf.tensor3d(randomArray(batch * length * d, seed + 1), [batch, length, d]),
    };
  }

  /** The context the model would pass: static embeddings and stream when asked for. */
  context(emb: tf.Tensor3D, extra: Partial<MixerContext> = {}): KitContext {
    return {
      layer: 0,
      numLayers: 1,
      dims: this.dims,
      positionOffset: 0,
      training: false,
      staticEmbeddings: this.needs.staticEmbeddings ? emb : undefined,
      stream: this.stream ? { hn: this.stream } : undefined,
      attentionNorm: (x: tf.Tensor3D) => rmsNorm(x, this.normWeight, this.dims.rmsNormEps) as tf.Tensor3D,
      ...extra,
    };
  }

  /** The parallel form on a whole input. The caller disposes the result. */
  parallel(hn: tf.Tensor3D, emb: tf.Tensor3D, extra: Partial<MixerContext> = {}): tf.Tensor3D {
    return tf.tidy(() => this.mixer.apply(hn, this.weights, this.context(emb, extra)));
  }

  /**
   * Decoding: feeds the input in chunks of the given sizes (cycled) through one state, checking
   * that `state.length` counts the consumed tokens; returns the concatenated outputs and disposes
   * the state. `onStep` sees the state after each call.
   */
  decode(
    hn: tf.Tensor3D,
    emb: tf.Tensor3D,
    chunks: readonly number[],
    extra: Partial<MixerContext> = {},
    onStep?: (state: MixerState, consumed: number) => void,
  ): tf.Tensor3D {
    const [b, t] = hn.shape;
    const state = this.mixer.initState(b);
    const outs: tf.Tensor3D[] = [];
    try {
      let pos = 0;
      for (let c = 0; pos < t; c++) {
        const size = Math.min(chunks[c % chunks.length]!, t - pos);
        const out = tf.tidy(() => {
          const x = tf.slice(hn, [0, pos, 0], [-1, size, -1]) as tf.Tensor3D;
          const e = tf.slice(emb, [0, pos, 0], [-1, size, -1]) as tf.Tensor3D;
          return this.mixer.apply(x, this.weights, this.context(e, { positionOffset: pos, state, ...extra }));
        });
        outs.push(out);
        pos += size;
        onStep?.(state, pos);
      }
      return tf.concat(outs, 1) as tf.Tensor3D;
    } finally {
      outs.forEach((o) => o.dispose());
      for (const x of Object.values(state.tensors)) x.dispose();
    }
  }

  /** Captures maps and logits of a parallel call. The caller disposes everything returned. */
  captured(hn: tf.Tensor3D, emb: tf.Tensor3D): { out: tf.Tensor3D; maps: tf.Tensor4D[]; logits: tf.Tensor4D[] } {
    const { capture, maps, logits } = keepingCaptureHooks('captured attention maps');
    const out = this.parallel(hn, emb, { capture });
    return { out, maps, logits };
  }

  dispose(): void {
    Object.values(this.weights).forEach((w) => w.dispose());
    this.stream?.dispose();
    this.normWeight.dispose();
  }
}

/**
 * Capture hooks that follow the ownership rule of the spec as `analyzeModel` does: a captured
 * tensor is only lent to the hook, so each hook keeps a clone (disposed by whoever reads `maps`
 * and `logits`). A tensor that arrives already disposed makes the hook throw a ConformanceError
 * of `check`.
 */
export function keepingCaptureHooks(check = 'capture hooks'): { capture: CaptureHooks; maps: tf.Tensor4D[]; logits: tf.Tensor4D[] } {
  const maps: tf.Tensor4D[] = [];
  const logits: tf.Tensor4D[] = [];
  const lent = (what: string, into: tf.Tensor4D[]) => (_layer: number, t: tf.Tensor4D) => {
    if (t.isDisposed) throw new ConformanceError(check, `the ${what} handed to the capture hook is already disposed: a captured tensor must stay alive until the hook returns (the caller's tf.tidy frees it afterwards).`);
    into.push(tf.keep(tf.clone(t)));
  };
  return { capture: { attention: lent('attention map', maps), logits: lent('logits', logits) }, maps, logits };
}

/** Parsed (and prepared, when the definition has `prepare`) options. */
export function prepareOptions(def: TokenMixerDefinition, opts: ConformanceOptions, dims: ModelDims): unknown {
  const parsed = def.parseOptions(opts.options ?? {});
  const env: MixerEnvironment = { ...(opts.environment ?? defaultEnvironment(dims)), dims };
  return def.prepare ? def.prepare(parsed, env) : parsed;
}

/** Weights as flat row-major arrays, the form the Float64 references take. */
export function flatWeights(weights: Readonly<Record<string, tf.Tensor>>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}
