/**
 * The results file carries every key lm-eval v0.4.8 writes (simple_evaluate's results and config
 * blocks, add_env_info, add_tokenizer_info, and the EvaluationTracker's general config), so a
 * tool that indexes the harness's output finds them all in ours.
 */
import { describe, expect, it } from 'vitest';
import { buildResults, sanitizeModelName } from '../src/results.js';
import { ToyTokenizer } from './helpers/toy.js';

const tok = new ToyTokenizer(['<|endoftext|>', 'Answer']);
const results = buildResults({
  protocol: 'zero-shot',
  model: { tokenizer: tok, maxLength: 128, checksum: 'abc', description: { plan: 'hybrid', parameters: 1234 } },
  outcomes: [],
  selection: { tasks: [], skipped: [], groups: {} },
  bootstrapIters: 0,
  batchSize: 4,
  modelName: 'runs/tiny:a',
  startMs: 1_000,
  endMs: 3_500,
});

describe('results file keys', () => {
  it('has every top-level key of an lm-eval v0.4.8 results file', () => {
    const harness = [
      'results', 'group_subtasks', 'configs', 'versions', 'n-shot', 'higher_is_better', 'n-samples', 'config', 'git_hash', 'date',
      'pretty_env_info', 'transformers_version', 'lm_eval_version', 'upper_git_hash',
      'tokenizer_pad_token', 'tokenizer_eos_token', 'tokenizer_bos_token', 'eot_token_id', 'max_length',
      'task_hashes', 'model_source', 'model_name', 'model_name_sanitized', 'system_instruction', 'system_instruction_sha',
      'fewshot_as_multiturn', 'chat_template', 'chat_template_sha', 'start_time', 'end_time', 'total_evaluation_time_seconds',
    ];
    expect(harness.filter((k) => !(k in results))).toEqual([]);
    expect(results).toMatchObject({ tokenizer_pad_token: ['<|endoftext|>', '0'], model_name: 'runs/tiny:a', model_name_sanitized: 'runs__tiny__a', fewshot_as_multiturn: false, task_hashes: {}, total_evaluation_time_seconds: '2.5' });
  });

  it('has every key of its config block, with the parameter count the scorer describes', () => {
    const harness = ['model', 'model_args', 'model_num_parameters', 'model_dtype', 'model_revision', 'model_sha', 'batch_size', 'batch_sizes', 'device', 'use_cache', 'limit', 'bootstrap_iters', 'gen_kwargs', 'random_seed', 'numpy_seed', 'torch_seed', 'fewshot_seed'];
    expect(harness.filter((k) => !(k in results.config))).toEqual([]);
    expect(results.config).toMatchObject({ model_num_parameters: 1234, model_dtype: 'float32', model_sha: 'abc', batch_size: 4, bootstrap_iters: 0 });
  });

  it('sanitizes the model name as lm-eval does', () => {
    expect(sanitizeModelName('a/b\\c:d*e?f"g<h>i|j[k]l')).toBe('a__b__c__d__e__f__g__h__i__j__k__l');
    expect(sanitizeModelName('EleutherAI/pythia-160m')).toBe('EleutherAI__pythia-160m');
  });
});
