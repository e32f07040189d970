/**
 * torch.nn modules → twinml constructor expressions. Positional arguments stay positional, keyword arguments go
 * into one options object with camelCase names, and an argument equal to PyTorch's default is left out (the
 * way docs/porting-a-pytorch-model.md tells a person to write it).
 */
import type { TorchChild } from './description.js';

/** A translated torch.nn module: the TS expression and the property type. */
export interface ModuleTranslation {
  expr: string;
  type: string;
}

/** Why a module is not translated. */
export interface ModuleRefusal {
  refused: string;
}

type Args = Record<string, unknown>;

/** A TS literal for a JSON value (pairs that are equal collapse to one number, as torch prints them). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
  return String(value);
}

function pair(value: unknown): unknown {
  return Array.isArray(value) && value.length === 2 && value[0] === value[1] ? value[0] : value;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(pair(a)) === JSON.stringify(pair(b));
}

/** `{ stride: 2, padding: 1 }` from [name, value, default] triples, leaving out defaults; '' when empty. */
function options(entries: Array<[string, unknown, unknown]>): string {
  const kept = entries.filter(([, v, d]) => !same(v, d)).map(([k, v]) => `${k}: ${literal(pair(v))}`);
  return kept.length ? `{ ${kept.join(', ')} }` : '';
}

function call(cls: string, positional: unknown[], opts = ''): string {
  const parts = positional.map((p) => literal(pair(p)));
  if (opts) parts.push(opts);
  return `new nn.${cls}(${parts.join(', ')})`;
}

const SIMPLE: Record<string, string> = { ReLU: 'ReLU', Sigmoid: 'Sigmoid', Tanh: 'Tanh' };

/**
 * The twinml constructor for a torch.nn module, or why there is none.
 * @param child - the module as the Python side described it
 */
export function translateModule(child: TorchChild): ModuleTranslation | ModuleRefusal {
  const a = child.args as Args | null;
  const t = child.type;
  if (a === null) return { refused: `nn.${t} has no twinml equivalent (docs/torch-names.md lists the supported modules)` };
  const ok = (expr: string): ModuleTranslation => ({ expr, type: `nn.${t}` });
  switch (t) {
    case 'Linear':
      return ok(call('Linear', [a.in_features, a.out_features], options([['bias', a.bias, true]])));
    case 'Conv2d': {
      if (a.padding_mode !== 'zeros') return { refused: `nn.Conv2d(padding_mode='${String(a.padding_mode)}'): twinml's Conv2d pads with zeros only` };
      return ok(
        call(
          'Conv2d',
          [a.in_channels, a.out_channels, a.kernel_size],
          options([
            ['stride', a.stride, 1],
            ['padding', a.padding, 0],
            ['dilation', a.dilation, 1],
            ['groups', a.groups, 1],
            ['bias', a.bias, true],
          ]),
        ),
      );
    }
    case 'BatchNorm2d':
      return ok(
        call(
          'BatchNorm2d',
          [a.num_features],
          options([
            ['eps', a.eps, 1e-5],
            ['momentum', a.momentum, 0.1],
            ['affine', a.affine, true],
            ['trackRunningStats', a.track_running_stats, true],
          ]),
        ),
      );
    case 'Dropout':
    case 'Dropout2d':
      return ok(call(t, [a.p]));
    case 'MaxPool2d':
      if (!same(a.dilation, 1)) return { refused: 'nn.MaxPool2d(dilation≠1): twinml\'s MaxPool2d has no dilation' };
      if (a.return_indices) return { refused: 'nn.MaxPool2d(return_indices=True): twinml returns no indices' };
      return ok(
        call(
          'MaxPool2d',
          [a.kernel_size],
          options([
            ['stride', a.stride, a.kernel_size],
            ['padding', a.padding, 0],
            ['ceilMode', a.ceil_mode, false],
          ]),
        ),
      );
    case 'AvgPool2d':
      return ok(
        call(
          'AvgPool2d',
          [a.kernel_size],
          options([
            ['stride', a.stride, a.kernel_size],
            ['padding', a.padding, 0],
            ['ceilMode', a.ceil_mode, false],
            ['countIncludePad', a.count_include_pad, true],
            ['divisorOverride', a.divisor_override, null],
          ]),
        ),
      );
    case 'AdaptiveAvgPool2d':
      return ok(call('AdaptiveAvgPool2d', [a.output_size]));
    case 'Flatten': {
      const args: unknown[] = [];
      if (!same(a.start_dim, 1) || !same(a.end_dim, -1)) args.push(a.start_dim);
      if (!same(a.end_dim, -1)) args.push(a.end_dim);
      return ok(call('Flatten', args));
    }
    case 'ReLU':
    case 'Sigmoid':
    case 'Tanh':
      return ok(`new nn.${SIMPLE[t]}()`);
    case 'LeakyReLU':
      return ok(call('LeakyReLU', same(a.negative_slope, 0.01) ? [] : [a.negative_slope]));
    case 'GELU':
      return ok(call('GELU', a.approximate === 'none' ? [] : [a.approximate]));
    case 'Softmax':
    case 'LogSoftmax':
      if (a.dim === null) return { refused: `nn.${t}(dim=None): the implicit dim is deprecated in PyTorch; twinml needs dim` };
      return ok(call(t, [a.dim]));
    case 'Embedding':
      if (a.max_norm !== null || a.scale_grad_by_freq || a.sparse) return { refused: 'nn.Embedding(max_norm / scale_grad_by_freq / sparse): not in twinml' };
      return ok(call('Embedding', [a.num_embeddings, a.embedding_dim], options([['paddingIdx', a.padding_idx, null]])));
    case 'LayerNorm': {
      const shape = Array.isArray(a.normalized_shape) && a.normalized_shape.length === 1 ? a.normalized_shape[0] : a.normalized_shape;
      return ok(call('LayerNorm', [shape], options([['eps', a.eps, 1e-5], ['elementwiseAffine', a.elementwise_affine, true], ['bias', a.bias, true]])));
    }
    default:
      return { refused: `nn.${t} has no twinml equivalent (docs/torch-names.md lists the supported modules)` };
  }
}

/** Whether a torch module was built with `inplace=True` (its input is overwritten in PyTorch). */
export function isInplaceModule(child: TorchChild): boolean {
  return Boolean(child.args && child.args.inplace === true);
}
