import { byteTokenizer, passageFromText, splitTokens, tokenizeText, type Tokenizer } from '@deconattn/hybrid';
import { CORPUS_URL } from './assets.js';

let text: Promise<string> | undefined;

/** The bundled tiny-shakespeare text (fetched once). */
export function corpusText(): Promise<string> {
  text ??= fetch(CORPUS_URL).then((r) => {
    if (!r.ok) throw new Error(`Could not fetch the corpus (${CORPUS_URL}): HTTP ${r.status}.`);
    return r.text();
  });
  return text;
}

/** Train/held-out token split of the corpus, as the CLI makes it (byte tokenizer for tiny and small). */
export async function corpusSplit(tokenizer: Tokenizer = byteTokenizer()): Promise<{ train: Int32Array; val: Int32Array }> {
  return splitTokens(tokenizeText(tokenizer, await corpusText()));
}

/** What fixed-seq-qk reads by default: the corpus's first tokens, as the CLI's fixedPassage. */
export async function defaultPassage(tokenizer: Tokenizer): Promise<(length: number) => number[]> {
  const t = await corpusText();
  return (length) => passageFromText(tokenizer, t, length).tokenIds;
}
