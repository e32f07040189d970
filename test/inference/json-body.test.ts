/**
 * The request-body JSON parser (src/inference/server/json-body.ts) against JSON.parse: for every text it either
 * gives up (undefined) or returns exactly what JSON.parse returns, bit for bit in every number (-0 included).
 * Random documents, random decimal texts (the fast number path and its fallbacks) and random corruptions of
 * valid documents; plus the cases it must hand to JSON.parse.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../src/inference/server/json-body.js';

/** A canonical text of a parsed value that tells -0 from 0 and shows every number's bits. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number') return `num:${Object.is(v, -0) ? '-0' : Buffer.from(new Float64Array([v]).buffer).toString('hex')}`;
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [`key:${k}`, x]));
    return v;
  });
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decimalText(r: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
  const sign = r() < 0.3 ? '-' : '';
  const int = r() < 0.5 ? '0' : String(1 + Math.floor(r() * 9)) + digits(Math.floor(r() * 18));
  const frac = r() < 0.8 ? '.' + digits(1 + Math.floor(r() * 24)) : '';
  const exp = r() < 0.15 ? (r() < 0.5 ? 'e' : 'E') + (['', '+', '-'][Math.floor(r() * 3)] ?? '') + String(Math.floor(r() * 330)) : '';
  return sign + int + frac + exp;
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 4 || pick < 0.35) {
    const k = Math.floor(r() * 7);
    if (k === 0) return Number(decimalText(r));
    if (k === 1) return Math.round(r() * 1e4) / 1e4;
    if (k === 2) return ['a', 'é', '\u0000x', 'q"uote', 'back\\slash', '\n\t', '😀', '__proto__x', ''][Math.floor(r() * 9)];
    if (k === 3) return r() < 0.5;
    if (k === 4) return null;
    if (k === 5) return -0;
    return Math.floor((r() - 0.5) * 2 ** 60);
  }
  if (pick < 0.65) return Array.from({ length: Math.floor(r() * 6) }, () => randomValue(r, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(r() * 5); i++) out[['data', 'shape', 'name', '1', '0', 'é', 'a b', ''][Math.floor(r() * 8)]!] = randomValue(r, depth + 1);
  return out;
}

function agrees(text: string): void {
  const fast = parseJsonBody(Buffer.from(text, 'utf8'));
  if (fast === undefined) return;
  let reference: unknown;
  expect(() => (reference = JSON.parse(text)), `fast path accepted text JSON.parse rejects: ${text.slice(0, 120)}`).not.toThrow();
  expect(canonical(fast)).toBe(canonical(reference));
}

describe('parseJsonBody', () => {
  it('parses an infer request exactly as JSON.parse (4-decimal pixels, shape, nested parameters)', () => {
    const values = Array.from({ length: 784 }, (_, i) => Math.round(((((i + 1) * 3) % 97) / 97) * 1e4) / 1e4);
    const text = JSON.stringify({ id: 'r-1', inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: values, parameters: { x: [1, -0, 2.5e-3] } }], outputs: [{ name: 'out' }] });
    const fast = parseJsonBody(Buffer.from(text));
    expect(fast).toBeDefined();
    expect(canonical(fast)).toBe(canonical(JSON.parse(text)));
  });

  it('reads 20,000 random decimal texts to the same double as JSON.parse', () => {
    const r = rng(7);
    for (let n = 0; n < 20_000; n++) {
      const t = decimalText(r);
      const fast = parseJsonBody(Buffer.from(`{"v":${t}}`)) as { v: number } | undefined;
      expect(fast, t).toBeDefined();
      expect(Object.is(fast!.v, JSON.parse(t)), `${t}: ${fast!.v} vs ${JSON.parse(t)}`).toBe(true);
    }
  });

  it('agrees with JSON.parse on 3,000 random documents and on 30,000 corruptions of them', () => {
    const r = rng(11);
    for (let n = 0; n < 3000; n++) {
      const text = JSON.stringify({ inputs: [randomValue(r, 0)], more: randomValue(r, 0) }, null, r() < 0.3 ? 1 : undefined);
      expect(parseJsonBody(Buffer.from(text))).toBeDefined();
      agrees(text);
      for (let m = 0; m < 10; m++) {
        const bytes = Buffer.from(text);
        const at = Math.floor(r() * bytes.length);
        const op = r();
        const mutated =
          op < 0.4
            ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)])
            : op < 0.8
              ? Buffer.concat([bytes.subarray(0, at), Buffer.from([' ', ',', '"', '\\', '[', ']', '{', '}', '-', '.', 'e', '0', '\u00ff', ':'][Math.floor(r() * 14)]!, 'latin1'), bytes.subarray(at)])
              : bytes.subarray(0, at);
        agrees(mutated.toString('latin1'));
        const fast = parseJsonBody(mutated);
        if (fast !== undefined) expect(canonical(fast)).toBe(canonical(JSON.parse(mutated.toString('utf8'))));
      }
    }
  });

  it('hands over to JSON.parse what it does not handle', () => {
    for (const text of ['', '  ', '[1,2]', '"s"', '{"__proto__":{"x":1}}', '{"a":1} x', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":tru}', '\ufeff{}', '{"a":"\u0001"}']) {
      expect(parseJsonBody(Buffer.from(text)), JSON.stringify(text)).toBeUndefined();
    }
    expect(parseJsonBody(Buffer.from(`{"deep":${'['.repeat(100)}${']'.repeat(100)}}`))).toBeUndefined();
    expect(parseJsonBody(Buffer.from('{"a":"\\u00e9\\"","b":"é"}'))).toEqual({ a: 'é"', b: 'é' });
  });
});
