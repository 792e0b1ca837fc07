import { describe, expect, it } from 'vitest';
import { DeconattnError, UnknownMixerError } from '@deconattn/core';
import { cliMessage, flagFor, withFlagNames } from '../src/util/flags.js';

describe('library errors become command-line errors', () => {
  it('maps qualified options to flags and leaves mixer options alone', () => {
    expect(flagFor('seqLen')).toBe('--seq-len');
    expect(flagFor('outDir')).toBe('--out');
    expect(flagFor('accumSteps')).toBe('--accum');
    expect(withFlagNames("runs/x already holds checkpoints of a run. Set training option 'resume' to continue it, or choose another training option 'outDir'.")).toBe(
      'runs/x already holds checkpoints of a run. Set --resume to continue it, or choose another --out.',
    );
    expect(withFlagNames("Study option 'analysisLength' must be an integer ≥ 4, got 2.")).toBe('--analysis-length must be an integer ≥ 4, got 2.');
    expect(withFlagNames("rnd-emb-qk: option 'seed' must be an integer in [0, 2³²), got -1.")).toBe("rnd-emb-qk: option 'seed' must be an integer in [0, 2³²), got -1.");
  });

  it('names --plugin for a mixer whose package is known', () => {
    const e = new UnknownMixerError('sliding-window', ['standard'], undefined, 'deconattn-mixer-sliding-window');
    expect(e.message).toMatch(/\(or load it as a plugin\)/);
    expect(cliMessage(e)).toMatch(/\(or pass --plugin deconattn-mixer-sliding-window\)/);
    expect(cliMessage(new DeconattnError('plain'))).toBe('plain');
  });
});
