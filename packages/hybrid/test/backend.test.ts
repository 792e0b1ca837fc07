import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultBackend } from '../src/index.js';
import { useBackend } from '../src/node.js';

describe('backend selection', () => {
  it('defaults to wasm in Node and activates it', async () => {
    expect(defaultBackend()).toBe('wasm');
    const info = await useBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('switches to cpu', async () => {
    await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('names the package to install for a missing native backend', async () => {
    await expect(useBackend('tensorflow')).rejects.toThrow(/@tensorflow\/tfjs-node/);
  });

  it('rejects an unknown backend with the list of backends', async () => {
    await expect(useBackend('cuda')).rejects.toThrow(/Unknown backend 'cuda'. Available: cpu, wasm, webgpu, tensorflow, tensorflow-gpu/);
  });
});
