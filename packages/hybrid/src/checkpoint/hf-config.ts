import { DeconattnError } from '@deconattn/core';
import type { ModelConfig } from '../model/config.js';

/** Our ModelConfig ↔ Hugging Face Qwen2 `config.json` field names. */
export function toHfConfig(c: ModelConfig): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numHeads,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    vocab_size: c.vocabSize,
    tie_word_embeddings: c.tieEmbeddings,
    max_position_embeddings: c.maxPositions,
    torch_dtype: 'float32',
  };
}

export function fromHfConfig(j: Record<string, unknown>, file: string): ModelConfig {
  const need = (k: string, type: 'number' | 'boolean'): any => {
    if (typeof j[k] !== type) throw new DeconattnError(`Corrupt checkpoint: ${file} lacks a ${type} '${k}' (found ${JSON.stringify(j[k])}).`);
    return j[k];
  };
  if (j.num_key_value_heads !== undefined && j.num_key_value_heads !== j.num_attention_heads) {
    throw new DeconattnError(`${file}: num_key_value_heads (${j.num_key_value_heads}) differs from num_attention_heads (${j.num_attention_heads}); deconattn models are multi-head, not grouped-query.`);
  }
  return {
    hiddenSize: need('hidden_size', 'number'),
    intermediateSize: need('intermediate_size', 'number'),
    numLayers: need('num_hidden_layers', 'number'),
    numHeads: need('num_attention_heads', 'number'),
    rmsNormEps: need('rms_norm_eps', 'number'),
    ropeTheta: need('rope_theta', 'number'),
    vocabSize: need('vocab_size', 'number'),
    tieEmbeddings: need('tie_word_embeddings', 'boolean'),
    maxPositions: need('max_position_embeddings', 'number'),
  };
}
