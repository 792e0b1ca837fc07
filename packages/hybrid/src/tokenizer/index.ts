export type { Tokenizer, TokenizerConfig, TokenizerKind } from './types.js';
export { TOKENIZER_KINDS, END_OF_TEXT } from './types.js';
export { byteTokenizer, BYTE_EOT_ID, BYTE_VOCAB_SIZE } from './byte.js';
export { pythiaTokenizer, pythiaTokenizerFromJson, readTokenizerJson, PYTHIA_TOKENIZER_FILE, TOKENIZER_FILE_LIMITS } from './pythia.js';
export { loadTokenizer, parseTokenizerConfig } from './load.js';
