// Files the page fetches at run time, emitted by Vite as static assets next to the bundle: tfjs's
// wasm binaries (one is picked by what the browser supports), the bundled corpus and the Pythia
// tokenizer (fetched only for a checkpoint that uses it), straight from @deconattn/hybrid/data.
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import corpus from '@deconattn/hybrid/data/tinyshakespeare/input.txt?url';
import pythiaTokenizer from '@deconattn/hybrid/data/tokenizer/20B_tokenizer.json?url';

export const WASM_PATHS = {
  'tfjs-backend-wasm.wasm': wasm,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
};

export const CORPUS_URL = corpus;
export const PYTHIA_TOKENIZER_URL = pythiaTokenizer;
