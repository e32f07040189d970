/**
 * The TS half of `twinml port` without Python: stored model descriptions (made by python/twinml_ref/port from
 * examples/mnist-net/net.py, parity-tests/port/models/vae.py, unsupported.py:Gated and the zoo GPT) turned into source. The
 * end-to-end check (PyTorch describes, TS compiles, parity passes) is parity-tests/port/port.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateModule, formatGap, type ModelDescription } from '../../src/parity/port/index.js';
import { assignedNames, camel } from '../../src/parity/port/names.js';

const fixture = (name: string): ModelDescription => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as ModelDescription;

describe('twinml port: description → TypeScript', () => {
  it('MNIST Net reads like the hand-written mirror: Python names, one cited line per statement, no temporaries', () => {
    const { source, gaps, classes } = generateModule(fixture('mnist-net'));
    expect(gaps).toEqual([]);
    expect(classes).toEqual(['Net']);
    const forward = source.slice(source.indexOf('  forward('));
    expect(forward.split('\n').slice(0, 15)).toEqual([
      '  forward(x: tf.Tensor): tf.Tensor {',
      '    x = this.conv1.call(x); // net.py:48',
      '    x = F.relu(x); // net.py:49',
      '    x = this.conv2.call(x); // net.py:50',
      '    x = F.relu(x); // net.py:51',
      '    x = F.max_pool2d(x, 2); // net.py:52',
      '    x = this.dropout1.call(x); // net.py:53',
      '    x = flatten(x, 1); // net.py:54',
      '    x = this.fc1.call(x); // net.py:55',
      '    x = F.relu(x); // net.py:56',
      '    x = this.dropout2.call(x); // net.py:57',
      '    x = this.fc2.call(x); // net.py:58',
      '    const output = F.log_softmax(x, 1); // net.py:59',
      '    return output; // net.py:60',
      '  }',
    ]);
    expect(source).toContain('    this.conv1 = new nn.Conv2d(1, 32, 3); // net.py:40\n');
    expect(source).toContain('    this.dropout2 = new nn.Dropout(0.5); // net.py:43\n');
    expect(source).toContain('    this.fc1 = new nn.Linear(9216, 128); // net.py:44\n');
    expect(source).toContain("import { nn, F, tf, flatten } from 'twinml';");
    expect(source).not.toContain('unsupported');
  });

  it('a VAE: helper methods inlined with their lines, the tuple return typed, randn_like kept in order', () => {
    const { source, gaps } = generateModule(fixture('vae'), { importFrom: '../src/index.js' });
    expect(gaps).toEqual([]);
    expect(source).toContain('export class VAE extends nn.Module<[tf.Tensor, tf.Tensor, tf.Tensor]> {');
    expect(source).toContain('    const h1 = F.relu(this.fc1.call(view)); // vae.py:18 (encode)\n');
    expect(source).toContain('    const eps = randn_like(std); // vae.py:23 (reparameterize)\n');
    expect(source).toContain('    const z = tf.add(mu, tf.mul(eps, std)); // vae.py:24 (reparameterize)\n');
    expect(source).toContain("from '../src/index.js';");
  });

  it('unsupported constructs: each listed with its Python line and marked where it occurs with a throwing call', () => {
    const { source, gaps } = generateModule(fixture('gated'));
    expect(gaps.map((g) => [g.what, g.line])).toEqual([
      ['self.norm', 10],
      ['torch.einsum', 14],
      ['self.norm(...)', 15],
      ['.clamp_()', 16],
    ]);
    expect(formatGap(gaps[1]!)).toBe('unsupported.py:14 Gated: torch.einsum: no twinml equivalent in the port table (docs/port.md lists what translates)  |  g = torch.einsum("bi,bi->bi", h, x)');
    expect(source).toContain('function unsupported(what: string): never {');
    expect(source.match(/\/\/ TODO twinml port: unsupported/g)).toHaveLength(4);
    expect(source).toContain("    const g = unsupported('torch.einsum (unsupported.py:14)'); // unsupported.py:14\n");
    expect(source).toContain("    this.norm = unsupported('self.norm (unsupported.py:10)'); // unsupported.py:10\n");
  });

  it('reads assignment targets and names like a person would', () => {
    expect(assignedNames('x = self.conv1(x)')).toEqual(['x']);
    expect(assignedNames('mu, logvar = self.encode(x.view(-1, 784))')).toEqual(['mu', 'logvar']);
    expect(assignedNames('out += self.shortcut(identity)')).toEqual(['out']);
    expect(assignedNames('return self.fc(x)')).toEqual([]);
    expect(assignedNames('if x == 1: pass')).toEqual([]);
    expect(camel('num_classes')).toBe('numClasses');
  });

  it('the zoo GPT (dropout 0.1): shape guards, a mode-dependent constant, None arguments left out, nested outputs, weight tying', () => {
    const { source, gaps, classes } = generateModule(fixture('gpt'));
    expect(gaps).toEqual([]);
    expect(classes).toEqual(['MLP', 'CausalSelfAttention', 'Block', 'GPT']);
    expect(source).toContain("    if (!(t_past === 0)) throw new Error('CausalSelfAttention: gpt.py:53 `if t_past == 0:` was True when twinml port traced the model;");
    expect(source).toContain("    if (0 + t > 16) throw new Error('GPT: gpt.py:130 `if t_past + t > self.config.block_size:` was False");
    expect(source).toContain('{ dropoutP: (this.training ? 0.1 : 0), isCausal: true }); // gpt.py:54');
    expect(source).toContain('export class CausalSelfAttention extends nn.Module<[tf.Tensor, [tf.Tensor, tf.Tensor]]> {');
    expect(source).toContain('    return [y, [k, v]]; // gpt.py:61');
    expect(source).toContain('    const [a, present] = this.attn.call(this.ln_1.call(x)); // gpt.py:85');
    expect(source).not.toMatch(/forward\(x: tf\.Tensor, past/);
    expect(source).toContain("    this.lm_head.weight!.dispose(); // gpt.py:107\n    this.lm_head.weight = this.transformer.get<nn.Embedding>('wte').weight!; // gpt.py:107");
    expect(source).toContain("import { nn, F, tf, split } from 'twinml';");
  });
});
