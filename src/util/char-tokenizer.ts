/**
 * A character-level tokenizer (nanoGPT's shakespeare_char): the vocabulary is the sorted set of the characters
 * (Unicode code points) of the training text; token id = position in that list. No tfjs: the ONNX generation
 * loads it too. Saved with a run as `tokenizer.json` (JSON.stringify(tokenizer)): `{ "type": "char", "vocab": ["\n", " ", "!", ...] }`.
 */
import { readFileSync } from 'node:fs';

/** What tokenizer.json holds. */
export interface CharTokenizerJSON {
  type: 'char';
  /** The characters, in token-id order. */
  vocab: string[];
}

function describe(ch: string): string {
  return `${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** Maps characters to token ids and back. */
export class CharTokenizer {
  /** The characters, in token-id order. */
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  /** @param vocab - distinct single characters (code points), in token-id order */
  constructor(vocab: readonly string[]) {
    if (vocab.length === 0) throw new Error('CharTokenizer: the vocabulary is empty');
    this.ids = new Map();
    vocab.forEach((ch, i) => {
      if (typeof ch !== 'string' || [...ch].length !== 1) throw new Error(`CharTokenizer: vocab[${i}] must be one character, got ${JSON.stringify(ch)}`);
      if (this.ids.has(ch)) throw new Error(`CharTokenizer: vocab[${i}] ${describe(ch)} appears twice`);
      this.ids.set(ch, i);
    });
    this.vocab = [...vocab];
  }

  /** The tokenizer of a text: its distinct characters sorted by code point (Python's `sorted(set(text))`). */
  static fromText(text: string): CharTokenizer {
    const chars = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(chars);
  }

  /** Number of tokens. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /**
   * Token ids of a text.
   * @param text - text made of vocabulary characters; any other character is an error naming it
   */
  encode(text: string): Int32Array {
    const chars = [...text];
    const out = new Int32Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const id = this.ids.get(chars[i]!);
      if (id === undefined) throw new Error(`CharTokenizer: character ${describe(chars[i]!)} at position ${i} is not in the vocabulary (${this.vocab.length} characters)`);
      out[i] = id;
    }
    return out;
  }

  /**
   * The text of token ids.
   * @param ids - token ids in [0, vocabSize)
   */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const ch = this.vocab[ids[i]!];
      if (ch === undefined) throw new Error(`CharTokenizer: token id ${ids[i]} is outside the vocabulary [0, ${this.vocab.length})`);
      s += ch;
    }
    return s;
  }

  /** The JSON form saved as tokenizer.json. */
  toJSON(): CharTokenizerJSON {
    return { type: 'char', vocab: [...this.vocab] };
  }

  /**
   * A tokenizer from its JSON form.
   * @param json - the parsed tokenizer.json
   * @param source - where it came from, for error messages
   */
  static fromJSON(json: unknown, source = 'tokenizer'): CharTokenizer {
    const j = json as Partial<CharTokenizerJSON> | null;
    if (j === null || typeof j !== 'object') throw new Error(`${source}: expected a JSON object`);
    if (j.type !== 'char') throw new Error(`${source}: field "type" must be "char", got ${JSON.stringify(j.type)}`);
    if (!Array.isArray(j.vocab)) throw new Error(`${source}: field "vocab" must be an array of characters`);
    try {
      return new CharTokenizer(j.vocab);
    } catch (e) {
      throw new Error(`${source}: field "vocab": ${(e as Error).message}`);
    }
  }

  /** Reads tokenizer.json. @param path - the file */
  static load(path: string): CharTokenizer {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read tokenizer ${path}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: not JSON: ${(e as Error).message}`);
    }
    return CharTokenizer.fromJSON(json, path);
  }
}
