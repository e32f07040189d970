/** The pair check's inputs: --input specs, FILE#Export / FILE.py:Class references, and checkpoint key errors. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseInputSpec } from '../../src/parity/pair/input-spec.js';
import { parseModelRef } from '../../src/parity/pair/load-ts-model.js';
import { stateDictProblems } from '../../src/bridge/torch-weights.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { packageRoot } from '../../src/util/paths.js';

const t = (shape: number[]): HostTensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

describe('pair check options', () => {
  it('parses --input shapes and dtypes, naming a bad value', () => {
    expect(parseInputSpec('2x1x28x28')).toEqual({ shape: [2, 1, 28, 28], dtype: 'float32' });
    expect(parseInputSpec('4x16:int64')).toEqual({ shape: [4, 16], dtype: 'int64' });
    expect(() => parseInputSpec('2x0x3')).toThrow(/--input "2x0x3": every dimension must be a positive integer/);
    expect(() => parseInputSpec('2x3:float16')).toThrow(/expected DxDx\.\.\.\[:float32\|int64\]/);
  });

  it('splits FILE#Export and FILE.py:Class, naming a missing file or separator', () => {
    const net = join(packageRoot(), 'examples', 'mnist-net', 'net.ts');
    expect(parseModelRef(`${net}#Net`, '#', '--ts')).toEqual({ file: net, name: 'Net' });
    expect(parseModelRef(`${net.replace('.ts', '.py')}:Net`, ':', '--torch').name).toBe('Net');
    expect(() => parseModelRef(net, '#', '--ts')).toThrow(/--ts .*expected FILE#NAME, e\.g\. \.\/net\.ts#Net/);
    expect(() => parseModelRef('/nowhere/net.ts#Net', '#', '--ts')).toThrow('--ts: /nowhere/net.ts does not exist');
  });

  it('lists every missing, unexpected and mis-shaped key of a checkpoint at once', () => {
    const model: StateDict = new Map([['fc.weight', t([10, 4])], ['fc.bias', t([10])], ['conv.weight', t([2, 1, 3, 3])]]);
    const file: StateDict = new Map([['fc.weight', t([10, 5])], ['conv.weight', t([2, 1, 3, 3])], ['head.weight', t([1])]]);
    expect(stateDictProblems(model, file)).toEqual(['missing keys: fc.bias', 'unexpected keys: head.weight', 'mis-shaped keys: fc.weight (checkpoint [10, 5], model [10, 4])']);
    expect(stateDictProblems(model, file, false)).toEqual(['mis-shaped keys: fc.weight (checkpoint [10, 5], model [10, 4])']);
    expect(stateDictProblems(model, model)).toEqual([]);
  });
});
