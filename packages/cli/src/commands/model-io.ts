import { DeconattnError } from '@deconattn/core';
import { generate, scoreTokenSequence } from '@deconattn/hybrid';
import { setup, type CommonOptions } from '../util/context.js';
import { formatNumber, markdownTable } from '../util/table.js';
import { readText } from '../util/files.js';
import { withModel } from '../util/with-model.js';

export async function scoreCommand(o: CommonOptions & { model: string; textFile: string; json?: boolean }): Promise<void> {
  await setup(o);
  const text = readText(o.textFile);
  await withModel(o.model, async ({ ckpt, tokenizer }) => {
    const ids = tokenizer.encode(text);
    if (ids.length < 2) throw new DeconattnError(`Text file '${o.textFile}' holds ${ids.length} token(s): scoring needs at least 2 (the first is only context).`);
    const s = await scoreTokenSequence(ckpt.model, ids);
    const out = { model: ckpt.dir, file: o.textFile, tokenizer: tokenizer.kind, tokens: s.tokens, scored: s.scored, sumNll: s.sumNll, meanNll: s.meanNll, perplexity: s.perplexity, windows: s.windows };
    if (o.json) console.log(JSON.stringify(out, null, 2));
    else console.log(markdownTable(['model', 'tokens', 'scored', 'sum NLL', 'mean NLL', 'perplexity', 'windows'], [[ckpt.dir, s.tokens, s.scored, s.sumNll, s.meanNll, s.perplexity, s.windows]]));
  });
}

export async function tokenizeCommand(o: CommonOptions & { model: string; textFile: string; json?: boolean }): Promise<void> {
  await setup(o);
  const text = readText(o.textFile);
  await withModel(o.model, async ({ tokenizer }) => {
    const ids = tokenizer.encode(text);
    if (o.json) console.log(JSON.stringify({ tokenizer: tokenizer.kind, count: ids.length, ids }));
    else console.log(ids.join(' '));
  });
}

export async function generateCommand(o: CommonOptions & { model: string; prompt: string; maxTokens: number; temperature: number; topK: number; seed: number; json?: boolean }): Promise<void> {
  await setup(o);
  await withModel(o.model, async ({ ckpt, tokenizer }) => {
    const prompt = o.prompt === '' ? [tokenizer.bosId] : tokenizer.encode(o.prompt);
    if (!o.json) process.stdout.write(o.prompt);
    const t0 = performance.now();
    const ids = await generate(ckpt.model, prompt, {
      maxNewTokens: o.maxTokens,
      temperature: o.temperature,
      topK: o.topK,
      seed: o.seed,
      stopToken: tokenizer.eosId,
    });
    const seconds = (performance.now() - t0) / 1000;
    const text = tokenizer.decode(ids.filter((i) => i !== tokenizer.eosId));
    if (o.json) console.log(JSON.stringify({ prompt: o.prompt, completion: text, ids, seconds }));
    else console.log(`${text}\n\n(${ids.length} tokens in ${seconds.toFixed(2)} s, ${formatNumber(ids.length / seconds)} tok/s)`);
  });
}
