export type { Tokenizer, TokenizerConfig, TokenizerKind } from './types.js';
export { TOKENIZER_KINDS, END_OF_TEXT } from './types.js';
export { byteTokenizer, BYTE_EOT_ID, BYTE_VOCAB_SIZE } from './byte.js';
export { pythiaTokenizerFromJson, PYTHIA_TOKENIZER_FILE } from './pythia.js';
export { parseTokenizerConfig } from './load.js';
