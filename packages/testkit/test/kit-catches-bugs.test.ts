import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { StandardAttention, standardAttention } from '@deconattn/attention-standard';
import { causalMask, type MixerContext, type MixerWeights, type TokenMixerDefinition } from '@deconattn/core';
import { conformanceChecks, type ConformanceOptions } from '../src/index.js';

// Each broken variant of standard attention must be caught by exactly the check made for it.
type Apply = (self: StandardAttention, hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext) => tf.Tensor3D;

function broken(id: string, apply: Apply, extra: Partial<TokenMixerDefinition> = {}, extraParams = false): TokenMixerDefinition {
  return {
    ...standardAttention,
    id,
    ...extra,
    create: (dims, options) => {
      const m = new StandardAttention(dims, options);
      const base = m.apply.bind(m);
      return Object.assign(Object.create(m), {
        id,
        apply: (hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext) => apply(Object.assign(Object.create(m), { apply: base }), hn, w, ctx),
        params: () => (extraParams ? [...m.params(), { name: 'unused.weight', shape: [2, 2], kind: 'linear', init: { type: 'normal', std: 0.02 } }] : m.params()),
        initState: () => m.initState(),
      });
    },
  } as TokenMixerDefinition;
}

const opts: ConformanceOptions = { report: () => {}, gradientBackends: ['cpu'] };

async function failing(def: TokenMixerDefinition, check: string): Promise<string> {
  const c = conformanceChecks(def, opts).find((x) => x.name === check);
  if (!c) throw new Error(`no check named '${check}'`);
  const err = await c.run().then(
    () => undefined,
    (e: Error) => e,
  );
  expect(err, `${def.id} should fail '${check}'`).toBeInstanceOf(Error);
  return err!.message;
}

describe('the kit catches broken mixers', () => {
  it('a mixer that looks ahead fails causality', async () => {
    const def = broken('peeks', (m, hn, w, ctx) => tf.add(m.apply(hn, w, ctx), tf.mean(hn, 1, true)) as tf.Tensor3D);
    expect(await failing(def, 'causality')).toMatch(/positions ≤/);
  });

  it('a mixer that ignores its decoding state fails both decoding checks', async () => {
    const def = broken('forgets', (m, hn, w, ctx) => {
      const out = m.apply(hn, w, { ...ctx, state: undefined, positionOffset: ctx.state ? ctx.state.length : 0 });
      if (ctx.state) ctx.state.length += hn.shape[1];
      return out;
    });
    await failing(def, 'decoding token by token equals the parallel form');
    await failing(def, 'decoding in chunks equals the parallel form');
  });

  it('a mixer that does not count consumed tokens fails decoding', async () => {
    const def = broken('miscounts', (m, hn, w, ctx) => {
      const out = m.apply(hn, w, ctx);
      if (ctx.state) ctx.state.length += 1;
      return out;
    });
    expect(await failing(def, 'decoding in chunks equals the parallel form')).toMatch(/state says length/);
  });

  it('a mixer that keeps a tensor per call fails the leak check', async () => {
    const def = broken('leaks', (m, hn, w, ctx) => {
      tf.keep(tf.scalar(1));
      return m.apply(hn, w, ctx);
    });
    expect(await failing(def, 'no tensor leaks across repeated calls')).toMatch(/leaks/);
  });

  it('a mixer that keeps the tensors it lends the capture hooks fails the leak check, and only it', async () => {
    // What an author following "not disposed by the mixer" once wrote: every other check passed,
    // and `deconattn analyze` leaked two tensors per layer and sequence.
    const keeps = broken('keeps-captures', (m, hn, w, ctx) =>
      m.apply(hn, w, {
        ...ctx,
        capture: ctx.capture && {
          attention: (l, a) => ctx.capture!.attention!(l, tf.keep(a)),
          logits: (l, x) => ctx.capture!.logits!(l, tf.keep(x)),
        },
      }),
    );
    expect(await failing(keeps, 'no tensor leaks across repeated calls')).toMatch(/with capture hooks for maps and logits leaks: 4 more tensors.*only lent to the hook/);
    const failed: string[] = [];
    for (const c of conformanceChecks(keeps, opts)) await c.run().catch(() => failed.push(c.name));
    expect(failed).toEqual(['no tensor leaks across repeated calls']);
  });

  it('a mixer that disposes a captured tensor before the hook can read it fails', async () => {
    const early = broken('disposes-captures', (m, hn, w, ctx) =>
      m.apply(hn, w, {
        ...ctx,
        capture: ctx.capture && {
          attention: (l, a) => {
            a.dispose();
            ctx.capture!.attention!(l, a);
          },
        },
      }),
    );
    expect(await failing(early, 'no tensor leaks across repeated calls')).toMatch(/attention map handed to the capture hook is already disposed/);
    expect(await failing(early, 'captured attention maps are causal, row-stochastic and match the output')).toMatch(/already disposed/);
  });

  it('a weight the output does not use fails the gradient check', async () => {
    const def = broken('unused', (m, hn, w, ctx) => m.apply(hn, w, ctx), {}, true);
    expect(await failing(def, 'a gradient reaches every weight (cpu)')).toMatch(/unused\.weight/);
  });

  it('options that accept unknown keys fail', async () => {
    const def = broken('lax', (m, hn, w, ctx) => m.apply(hn, w, ctx), { parseOptions: (raw: unknown) => ({ rope: true, ...(raw as object) }) });
    await failing(def, 'unknown options are rejected');
  });

  it('a map that does not sum to one, or does not match the output, fails the map check', async () => {
    const check = 'captured attention maps are causal, row-stochastic and match the output';
    const scaled = broken('scaled-map', (m, hn, w, ctx) =>
      m.apply(hn, w, { ...ctx, capture: ctx.capture && { attention: (l, a) => ctx.capture!.attention!(l, tf.mul(a, 2) as tf.Tensor4D) } }),
    );
    expect(await failing(scaled, check)).toMatch(/sums to/);
    const uniform = broken('uniform-map', (m, hn, w, ctx) =>
      m.apply(hn, w, {
        ...ctx,
        capture: ctx.capture && {
          attention: (l, a) => {
            const t = a.shape[2];
            const mask = causalMask(t, t, 0);
            ctx.capture!.attention!(l, tf.tile(tf.reshape(tf.div(mask, tf.sum(mask, -1, true)), [1, 1, t, t]), [a.shape[0], a.shape[1], 1, 1]) as tf.Tensor4D);
          },
        },
      }),
    );
    expect(await failing(uniform, check)).toMatch(/W_O against the output/);
  });

  it('negative weights fail unless the mixer says its maps are signed, and a declared output scale must hold', async () => {
    const check = 'captured attention maps are causal, row-stochastic and match the output';
    // 2A − (causal mean): rows still sum to 1, some weights negative, and the output no longer matches.
    const signedMap = (m: StandardAttention, hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext) =>
      m.apply(hn, w, {
        ...ctx,
        capture: ctx.capture && {
          attention: (l, a) => {
            const t = a.shape[2];
            const mask = causalMask(t, t, 0);
            ctx.capture!.attention!(l, tf.sub(tf.mul(a, 2), tf.div(mask, tf.sum(mask, -1, true))) as tf.Tensor4D);
          },
        },
      });
    expect(await failing(broken('negative-map', signedMap), check)).toMatch(/negative weight.*mapForm.signed/);
    const claimsSigned = (scale: number) => {
      const def = broken(`signed-map-${scale}`, signedMap);
      const create = def.create;
      return { ...def, create: (d, o) => Object.assign(create(d, o), { mapForm: { signed: true, outputScale: scale } }) } as TokenMixerDefinition;
    };
    expect(await failing(claimsSigned(1), check)).toMatch(/W_O against the output/);
    // The true map scaled by 1/3 with outputScale 3 passes the consistency check but not the row sums.
    const third = broken('third-map', (m, hn, w, ctx) =>
      m.apply(hn, w, { ...ctx, capture: ctx.capture && { attention: (l, a) => ctx.capture!.attention!(l, tf.div(a, 3) as tf.Tensor4D) } }),
    );
    const thirdScaled = { ...third, create: (d: never, o: never) => Object.assign(third.create(d, o), { mapForm: { outputScale: 3 } }) } as TokenMixerDefinition;
    expect(await failing(thirdScaled, check)).toMatch(/sums to/);
  });

  it('a mixer without a map that captures one fails', async () => {
    const def = broken('claims-no-map', (m, hn, w, ctx) => m.apply(hn, w, ctx), { hasAttentionMap: false });
    await failing(def, 'no attention map is captured');
  });
});
