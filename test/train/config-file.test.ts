/** Config files: JSON and YAML, kebab-case or camelCase keys, errors naming the file, key and valid keys. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/train/config/config-file.js';

const KNOWN = ['model', 'batchSize', 'lr', 'hidden', 'earlyStoppingPatience'];
const dir = mkdtempSync(join(tmpdir(), 'twinml-cfg-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('loadConfigFile', () => {
  it('reads YAML and JSON with either key style', () => {
    expect(loadConfigFile(file('a.yaml', 'model: mlp\nbatch-size: 32\nhidden: [8, 4]\n# comment\nearly_stopping_patience: 2\n'), KNOWN)).toEqual({ model: 'mlp', batchSize: 32, hidden: [8, 4], earlyStoppingPatience: 2 });
    expect(loadConfigFile(file('b.json', '{"lr": 0.1, "batchSize": 8}'), KNOWN)).toEqual({ lr: 0.1, batchSize: 8 });
    expect(loadConfigFile(file('empty.yml', ''), KNOWN)).toEqual({});
  });

  it('names the file and the problem', () => {
    expect(() => loadConfigFile(file('c.toml', ''), KNOWN)).toThrow(/c\.toml: unknown file type '\.toml'; valid: \.json, \.yaml, \.yml/);
    expect(() => loadConfigFile(file('d.yaml', 'model: [\n'), KNOWN)).toThrow(/d\.yaml: not valid YAML/);
    expect(() => loadConfigFile(file('e.json', '[1]'), KNOWN)).toThrow(/e\.json: the top level must be a mapping/);
    expect(() => loadConfigFile(file('f.yaml', 'lr: 1\nlearning-rate: 2\n'), KNOWN)).toThrow(/f\.yaml: unknown option\(s\) 'learning-rate'; valid: model, batch-size, lr, hidden, early-stopping-patience/);
    expect(() => loadConfigFile(join(dir, 'missing.yaml'), KNOWN)).toThrow(/missing\.yaml: cannot read the file/);
  });
});
