/** The character tokenizer saved with a language-model run as tokenizer.json: see src/util/char-tokenizer.ts (no tfjs). */
export { CharTokenizer, type CharTokenizerJSON } from '../util/char-tokenizer.js';
