import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../../src/inference/char-tokenizer.js';
import { tempDir } from '../data/fixtures.js';

describe('CharTokenizer', () => {
  it("builds the vocabulary as Python's sorted(set(text)) and round-trips text", () => {
    const text = 'To be, or not to be:\nthat is the question. 😀é';
    const tok = CharTokenizer.fromText(text);
    // Python: sorted(set(text)) orders by code point (the emoji, outside the BMP, sorts last).
    expect(tok.vocab).toEqual([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
    expect(tok.vocab[0]).toBe('\n');
    expect(tok.vocab.at(-1)).toBe('😀');
    const ids = tok.encode(text);
    expect(ids.length).toBe([...text].length);
    expect(tok.decode(ids)).toBe(text);
    expect([...tok.encode('be')]).toEqual([tok.vocab.indexOf('b'), tok.vocab.indexOf('e')]);
  });

  it('saves and loads as tokenizer.json', () => {
    const tok = CharTokenizer.fromText('hello world\n');
    const file = join(tempDir('tokenizer'), 'tokenizer.json');
    writeFileSync(file, JSON.stringify(tok));
    const back = CharTokenizer.load(file);
    expect(back.vocab).toEqual(tok.vocab);
    expect(back.vocabSize).toBe(9);
  });

  it('names the character, id, file and field that are wrong', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('abz')).toThrow('character "z" (U+007A) at position 2 is not in the vocabulary (3 characters)');
    expect(() => tok.decode([0, 3])).toThrow('token id 3 is outside the vocabulary [0, 3)');
    const dir = tempDir('tokenizer-bad');
    const bad = join(dir, 'tokenizer.json');
    writeFileSync(bad, JSON.stringify({ type: 'char', vocab: ['a', 'a'] }));
    expect(() => CharTokenizer.load(bad)).toThrow(`${bad}: field "vocab": CharTokenizer: vocab[1] "a" (U+0061) appears twice`);
    writeFileSync(bad, JSON.stringify({ type: 'bpe', vocab: [] }));
    expect(() => CharTokenizer.load(bad)).toThrow(`${bad}: field "type" must be "char", got "bpe"`);
    writeFileSync(bad, '{');
    expect(() => CharTokenizer.load(bad)).toThrow(`${bad}: not JSON`);
    expect(() => CharTokenizer.load(join(dir, 'missing.json'))).toThrow('cannot read tokenizer');
  });
});
