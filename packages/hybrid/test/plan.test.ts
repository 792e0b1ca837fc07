import { describe, expect, it } from 'vitest';
import { parsePlan, planLabel, resolvePlan, standardLayers, validatePlan, type LayerPlan } from '../src/model/plan.js';

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('plan presets (docs/model.md §4)', () => {
  it('match the table at 24 layers', () => {
    expect(standardLayers('uniform', 24)).toEqual([]);
    for (const p of ['hybrid', 'even', '50%'] as const) expect(standardLayers(p, 24)).toEqual(range(1, 12).map((i) => 2 * i));
    expect(standardLayers('odd', 24)).toEqual(range(1, 12).map((i) => 2 * i - 1));
    expect(standardLayers('top', 24)).toEqual(range(1, 12));
    expect(standardLayers('middle', 24)).toEqual([...range(1, 6), ...range(19, 24)]);
    expect(standardLayers('bottom', 24)).toEqual(range(13, 24));
    expect(standardLayers('25%', 24)).toEqual([4, 8, 12, 16, 20, 24]);
    expect(standardLayers('first', 24)).toEqual([1]);
    expect(standardLayers('last', 24)).toEqual([24]);
    expect(standardLayers('bilateral', 24)).toEqual([1, 24]);
  });

  it('generalise to 12 layers', () => {
    expect(standardLayers('hybrid', 12)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(standardLayers('odd', 12)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(standardLayers('top', 12)).toEqual(range(1, 6));
    expect(standardLayers('middle', 12)).toEqual([1, 2, 3, 10, 11, 12]);
    expect(standardLayers('bottom', 12)).toEqual(range(7, 12));
    expect(standardLayers('25%', 12)).toEqual([4, 8, 12]);
    expect(standardLayers('bilateral', 12)).toEqual([1, 12]);
  });

  it('generalise to 6 layers', () => {
    expect(standardLayers('hybrid', 6)).toEqual([2, 4, 6]);
    expect(standardLayers('odd', 6)).toEqual([1, 3, 5]);
    expect(standardLayers('top', 6)).toEqual([1, 2, 3]);
    expect(standardLayers('middle', 6)).toEqual([1, 6]);
    expect(standardLayers('bottom', 6)).toEqual([4, 5, 6]);
    expect(standardLayers('25%', 6)).toEqual([4]);
    expect(standardLayers('first', 6)).toEqual([1]);
    expect(standardLayers('last', 6)).toEqual([6]);
  });

  it('resolve to a per-layer list of mixer ids', () => {
    expect(resolvePlan({ preset: 'hybrid', mixer: 'mlp' }, 4)).toEqual(['mlp', 'standard', 'mlp', 'standard']);
    expect(resolvePlan({ preset: 'uniform', mixer: 'standard' }, 3)).toEqual(['standard', 'standard', 'standard']);
    expect(resolvePlan({ layers: ['standard', 'mlp', 'approximate'] }, 3)).toEqual(['standard', 'mlp', 'approximate']);
  });
});

describe('plan parsing and validation', () => {
  it('parses preset:mixer, comma lists, a lone mixer and JSON', () => {
    expect(parsePlan('uniform:standard')).toEqual({ preset: 'uniform', mixer: 'standard' });
    expect(parsePlan('hybrid:approximate')).toEqual({ preset: 'hybrid', mixer: 'approximate' });
    expect(parsePlan('25%:non-approximate')).toEqual({ preset: '25%', mixer: 'non-approximate' });
    expect(parsePlan('standard,mlp,standard')).toEqual({ layers: ['standard', 'mlp', 'standard'] });
    expect(parsePlan('mlp')).toEqual({ preset: 'uniform', mixer: 'mlp' });
    expect(parsePlan('{"preset":"odd","mixer":"mlp","skip":"block"}')).toEqual({ preset: 'odd', mixer: 'mlp', skip: 'block' });
  });

  it('round-trips through JSON', () => {
    const plans: LayerPlan[] = [
      { preset: 'middle', mixer: 'rnd-emb-qk', mixerOptions: { 'rnd-emb-qk': { seed: 3 } }, skip: 'mixer' },
      { layers: ['standard', 'mlp'] },
    ];
    for (const p of plans) {
      const back = JSON.parse(JSON.stringify(p));
      validatePlan(back);
      expect(back).toEqual(p);
      expect(resolvePlan(back, 2)).toEqual(resolvePlan(p, 2));
    }
    expect(planLabel(plans[0]!)).toBe('middle:rnd-emb-qk+skip-mixer');
  });

  it('rejects bad plans with messages that say what is right', () => {
    expect(() => parsePlan('hybird:mlp')).toThrow(/Unknown plan preset "hybird". Did you mean 'hybrid'\?/);
    expect(() => parsePlan('hybrid')).toThrow(/names a preset but no mixer: write 'hybrid:<mixer>'/);
    expect(() => parsePlan('hybrid:')).toThrow(/needs a 'mixer'/);
    expect(() => parsePlan('a:b:c')).toThrow(/exactly one ':'/);
    expect(() => parsePlan('standard,,mlp')).toThrow(/empty entry/);
    expect(() => parsePlan('')).toThrow(/Empty layer plan/);
    expect(() => parsePlan('{"preset":')).toThrow(/does not parse/);
    expect(() => validatePlan({ preset: 'hybrid', mixer: 'mlp', skip: 'all' })).toThrow(/'mixer' or 'block'/);
    expect(() => validatePlan({ layers: ['standard'], preset: 'hybrid' })).toThrow(/not both/);
    expect(() => validatePlan({ preset: 'hybrid', mixer: 'mlp', extra: 1 })).toThrow(/Unknown layer-plan field 'extra'/);
    expect(() => resolvePlan({ layers: ['standard', 'mlp'] }, 3)).toThrow(/lists 2 layers .* but the model has 3/);
  });
});
