import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../src/data/csv.js';
import { tempDir } from './fixtures.js';

describe('CSV datasets', () => {
  const dir = tempDir('csv');
  const file = join(dir, 'iris-like.csv');
  writeFileSync(file, 'a,b,species,c\n1,2,setosa,3\n4.5,-1e-3,virginica,6\n7,8,setosa,9\n');

  it('reads numeric features and a named label column, classes sorted', () => {
    const ds = loadCsv(file, { labelColumn: 'species' });
    expect(ds.classes).toEqual(['setosa', 'virginica']);
    expect([...ds.y]).toEqual([0, 1, 0]);
    expect(ds.sampleShape).toEqual([3]);
    expect(ds.featureColumns).toEqual(['a', 'b', 'c']);
    expect([...ds.x]).toEqual([1, 2, 3, 4.5, Math.fround(-1e-3), 6, 7, 8, 9]);
  });

  it('selects feature columns by header name and sorts numeric labels numerically', () => {
    const numeric = join(dir, 'numeric.csv');
    writeFileSync(numeric, 'x,y,label\n1,2,10\n3,4,9\n5,6,10\n');
    const ds = loadCsv(numeric, { featureColumns: ['y'] });
    expect(ds.classes).toEqual(['9', '10']);
    expect([...ds.y]).toEqual([1, 0, 1]);
    expect([...ds.x]).toEqual([2, 4, 6]);
    expect(() => loadCsv(numeric, { labelColumn: 'z' })).toThrow(`${numeric}: no label column "z" (columns: x, y, label)`);
  });

  it('names file, row and column of a bad value; skip-bad lists the row', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,label\n1,a\noops,b\n3,b\n');
    expect(() => loadCsv(bad)).toThrow(`${bad} row 3: column "x" value "oops" is not a finite number`);
    const ds = loadCsv(bad, { skipBad: true });
    expect(ds.y.length).toBe(2);
    expect(ds.skipped).toMatchObject([{ file: bad, row: 3 }]);
  });
});
