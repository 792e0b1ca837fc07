import * as tf from '@tensorflow/tfjs-core';
import { TOKEN_MIXER_SPEC_VERSION, attentionParamCount, countParams, type MixerEnvironment } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { ConformanceError, assertFinite, assertShapeEq } from '../compare.js';
import { deepEqual } from '../deep-equal.js';
import { MixerFixture, prepareOptions } from '../fixture.js';
import { defaultEnvironment, resolveDims } from '../options.js';
import type { CheckFactory } from './types.js';

const DECODING = ['kv-cache', 'recurrent', 'fixed-maps', 'none'];
const KINDS = ['linear', 'bias', 'norm', 'other'];

/** The definition's fields, the shape contract of `apply`, the parameter specs and the options. */
export const contractChecks: CheckFactory = (def, opts) => [
  {
    name: 'definition fields',
    async run() {
      const c = 'definition fields';
      if (def.specificationVersion !== TOKEN_MIXER_SPEC_VERSION) throw new ConformanceError(c, `specificationVersion is ${JSON.stringify(def.specificationVersion)}, expected '${TOKEN_MIXER_SPEC_VERSION}'.`);
      if (!/^[a-z0-9][a-z0-9._%-]*$/.test(def.id)) throw new ConformanceError(c, `id ${JSON.stringify(def.id)} is not a valid mixer id (lower-case letters, digits, '.', '_', '%', '-').`);
      for (const f of ['packageName', 'packageVersion', 'principle', 'description'] as const) {
        if (typeof def[f] !== 'string' || def[f] === '') throw new ConformanceError(c, `'${f}' must be a non-empty string, got ${JSON.stringify(def[f])}.`);
      }
      if (def.role !== 'baseline' && def.role !== 'relaxed') throw new ConformanceError(c, `role is ${JSON.stringify(def.role)}, expected 'baseline' (the reference mixer) or 'relaxed'.`);
      if (!DECODING.includes(def.decoding)) throw new ConformanceError(c, `decoding is ${JSON.stringify(def.decoding)}, expected one of ${DECODING.join(', ')}.`);
      if (typeof def.hasAttentionMap !== 'boolean') throw new ConformanceError(c, `hasAttentionMap must be a boolean.`);
      const dims = resolveDims(opts.dims);
      const mixer = def.create(dims, prepareOptions(def, opts, dims));
      if (mixer.id !== def.id) throw new ConformanceError(c, `create() returned a mixer with id '${mixer.id}', expected '${def.id}'.`);
    },
  },
  {
    name: 'shape contract',
    async run() {
      const c = 'shape contract';
      await useBackend(opts.backend ?? 'cpu');
      const fx = new MixerFixture(def, opts);
      try {
        for (const t of [1, fx.length]) {
          tf.tidy(() => {
            const { hn, emb } = fx.input(fx.seed + t, fx.batch, t);
            const out = fx.parallel(hn, emb);
            if (!(out instanceof tf.Tensor)) throw new ConformanceError(c, `apply() must return a tensor.`);
            assertShapeEq(c, `output for input [${hn.shape.join(', ')}]`, out.shape, hn.shape);
            if (out.dtype !== 'float32') throw new ConformanceError(c, `output dtype is ${out.dtype}, expected float32.`);
            assertFinite(c, 'output', out);
          });
        }
        const st = fx.mixer.initState(fx.batch);
        if (!st || st.length !== 0 || typeof st.tensors !== 'object') throw new ConformanceError(c, `initState(${fx.batch}) must return { length: 0, tensors: {…} }, got ${JSON.stringify(st && { length: st.length })}.`);
        for (const x of Object.values(st.tensors)) x.dispose();
      } finally {
        fx.dispose();
      }
    },
  },
  {
    name: 'parameter specs and count',
    async run() {
      const c = 'parameter specs and count';
      const dims = resolveDims(opts.dims);
      const specs = def.create(dims, prepareOptions(def, opts, dims)).params();
      const names = new Set<string>();
      for (const p of specs) {
        if (typeof p.name !== 'string' || p.name === '' || names.has(p.name)) throw new ConformanceError(c, `parameter name ${JSON.stringify(p.name)} is empty or repeated.`);
        names.add(p.name);
        if (!Array.isArray(p.shape) || p.shape.length === 0 || p.shape.some((s) => !Number.isInteger(s) || s <= 0)) throw new ConformanceError(c, `parameter '${p.name}' has shape ${JSON.stringify(p.shape)}; expected positive integers.`);
        if (!KINDS.includes(p.kind)) throw new ConformanceError(c, `parameter '${p.name}' has kind ${JSON.stringify(p.kind)}; expected one of ${KINDS.join(', ')}.`);
        if (p.kind === 'linear' && p.shape.length !== 2) throw new ConformanceError(c, `linear parameter '${p.name}' must be 2-D [in, out], got [${p.shape.join(', ')}].`);
        const init = p.init as { type?: string; std?: number };
        if (!['normal', 'zeros', 'ones'].includes(init?.type ?? '') || (init.type === 'normal' && !(typeof init.std === 'number' && init.std > 0))) {
          throw new ConformanceError(c, `parameter '${p.name}' has init ${JSON.stringify(p.init)}; expected {type:'normal', std>0}, {type:'zeros'} or {type:'ones'}.`);
        }
      }
      const n = countParams(specs);
      const att = attentionParamCount(dims.hiddenSize);
      const diff = n - att;
      (opts.report ?? console.log)(`${def.id}: ${n} parameters per layer at d=${dims.hiddenSize} (standard attention ${att}, difference ${diff >= 0 ? '+' : ''}${diff})`);
      if (opts.expectedParameterCount !== undefined && n !== opts.expectedParameterCount) {
        throw new ConformanceError(c, `the mixer owns ${n} parameters at d=${dims.hiddenSize}, expected ${opts.expectedParameterCount}.`);
      }
    },
  },
  {
    name: 'options round-trip through JSON',
    async run() {
      const c = 'options round-trip through JSON';
      const dims = resolveDims(opts.dims);
      const env: MixerEnvironment = { ...(opts.environment ?? defaultEnvironment(dims)), dims };
      const parsed = def.parseOptions(opts.options ?? {});
      const candidates: [string, unknown][] = [
        ['defaultOptions', def.parseOptions(def.defaultOptions)],
        ['parsed options', parsed],
      ];
      if (def.prepare) {
        const prepared = def.prepare(parsed, env);
        candidates.push(['prepared options', prepared]);
        const again = def.prepare(def.parseOptions(JSON.parse(JSON.stringify(prepared))), env);
        if (!deepEqual(again, prepared)) throw new ConformanceError(c, `prepare() is not idempotent on saved options: ${JSON.stringify(prepared)?.slice(0, 200)} became ${JSON.stringify(again)?.slice(0, 200)}.`);
      }
      for (const [what, o] of candidates) {
        const back = def.parseOptions(JSON.parse(JSON.stringify(o ?? null)));
        if (!deepEqual(back, o)) throw new ConformanceError(c, `${what} ${JSON.stringify(o)?.slice(0, 200)} came back from JSON as ${JSON.stringify(back)?.slice(0, 200)}.`);
      }
    },
  },
  {
    name: 'unknown options are rejected',
    async run() {
      const c = 'unknown options are rejected';
      const base = def.parseOptions(opts.options ?? {});
      const bad = { ...(base && typeof base === 'object' ? base : {}), conformanceUnknownOption: 1 };
      let threw: unknown;
      try {
        def.parseOptions(bad);
      } catch (e) {
        threw = e;
      }
      if (!threw) throw new ConformanceError(c, `parseOptions accepted an unknown key 'conformanceUnknownOption'; a misspelt option must be an error that names the valid ones.`);
      if (!(threw instanceof Error) || !threw.message) throw new ConformanceError(c, `parseOptions threw ${String(threw)} without a message.`);
    },
  },
];
