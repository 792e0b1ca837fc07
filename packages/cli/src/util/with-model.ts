import type { LoadedCheckpoint, Tokenizer } from '@deconattn/hybrid';
import { openModel } from './context.js';

/** Opens a model for `fn` and frees its weights afterwards, whether `fn` succeeds or throws. */
export async function withModel<T>(dir: string, fn: (m: { ckpt: LoadedCheckpoint; tokenizer: Tokenizer }) => Promise<T>): Promise<T> {
  const m = await openModel(dir);
  try {
    return await fn(m);
  } finally {
    m.ckpt.model.dispose();
  }
}
