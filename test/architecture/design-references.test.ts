/**
 * Every design reference resolves inside a clone: code, tests, parity suites, README and docs cite
 * docs/architecture.md (never DESIGN.md or a path outside the repository such as ../shared), and every
 * "decision N" they cite exists there.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCANNED = ['src', 'test', 'parity-tests', 'bench', 'scripts', 'docs', 'examples', 'README.md', 'models/README.md'];
const TEXT = /\.(ts|mts|mjs|js|md|py|sh|json)$/;

/** A reference to a design document that a clone does not have. */
const OUTSIDE = [/DESIGN\.md/, /\.\.\/shared\b/, /\bDESIGN\b/];
const DECISION = /\bdecisions? (\d+)(?:\s*(?:,|and|–|-)\s*(\d+))*/gi;

function files(path: string): string[] {
  const abs = join(root, path);
  let st;
  try { st = statSync(abs); } catch { return []; }
  if (!st.isDirectory()) return [abs];
  return readdirSync(abs).flatMap((name) => (name === 'node_modules' || name === 'fixtures' ? [] : files(join(path, name))));
}

/** The decision numbers docs/architecture.md defines ("N. **Title.**" under "## Decisions"). */
function definedDecisions(architecture: string): Set<number> {
  const section = architecture.split('## Decisions')[1]?.split('\n## ')[0] ?? '';
  return new Set([...section.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));
}

/** Problems in one file's text: outside references, and decision numbers the architecture does not define. */
function referenceProblems(name: string, text: string, defined: Set<number>): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (OUTSIDE.some((re) => re.test(line))) problems.push(`${name}:${i + 1}: cites a design file outside the repository: ${line.trim()}`);
    for (const m of line.matchAll(DECISION)) {
      const numbers = m[0].match(/\d+/g)!.map(Number);
      for (const n of numbers) if (!defined.has(n)) problems.push(`${name}:${i + 1}: cites decision ${n}, which docs/architecture.md does not define`);
    }
  });
  return problems;
}

describe('design references', () => {
  const architecture = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const defined = definedDecisions(architecture);

  it('docs/architecture.md numbers the decisions 1..19 as the code cites them', () => {
    expect([...defined].sort((a, b) => a - b)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  });

  it('every reference in src/, test/, parity-tests/, bench/, scripts/, docs/ and the README resolves to docs/architecture.md', () => {
    const self = relative(root, fileURLToPath(import.meta.url));
    const problems = SCANNED.flatMap(files)
      .filter((f) => TEXT.test(f) && relative(root, f) !== self)
      .flatMap((f) => referenceProblems(relative(root, f), readFileSync(f, 'utf8'), defined));
    expect(problems).toEqual([]);
  });

  it('flags DESIGN.md, ../shared and an undefined decision number (the check is not vacuous)', () => {
    expect(referenceProblems('a.ts', '// DESIGN.md decision 7', defined)).toHaveLength(1);
    expect(referenceProblems('a.md', 'See `../shared/DESIGN.md`.', defined)).toHaveLength(1);
    expect(referenceProblems('a.ts', '// docs/architecture.md decision 42', defined)).toEqual(['a.ts:1: cites decision 42, which docs/architecture.md does not define']);
    expect(referenceProblems('a.ts', '// docs/architecture.md decision 7', defined)).toEqual([]);
  });
});
