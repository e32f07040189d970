/**
 * Writes one ATen operator call's arguments into the addon's shared Float64Array (encoding: addon.cc's header)
 * and runs it. Kernels chain the writers: `b.op.begin(ADD).t(a).t(b).one()`. Nothing is allocated per call
 * except the resulting TensorInfo.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend.js';

/** An ATen operator resolved on first use. */
export interface AtenOp {
  readonly name: string;
  readonly overload: string;
  handle: number;
}

/** Names an ATen operator (`aten('add', 'Tensor')` is aten::add.Tensor). */
export function aten(name: string, overload = ''): AtenOp {
  return { name: `aten::${name}`, overload, handle: -1 };
}

/** Scalar argument kinds (addon.cc). */
const SCALAR_FLOAT = 0;
const SCALAR_INT = 1;

export class OpCall {
  private pos = 0;
  private given = 0;
  private current: AtenOp | null = null;
  private readonly strings = new Map<string, number>();

  constructor(private readonly backend: TorchBackend) {}

  /** Starts the call of `op`. */
  begin(op: AtenOp): this {
    if (op.handle < 0) op.handle = this.backend.addon.opHandle(op.name, op.overload);
    this.current = op;
    this.pos = 0;
    this.given = 0;
    return this;
  }

  /** A Tensor argument. */
  t(x: TensorInfo): this {
    const id = this.backend.idOf(x);
    this.backend.args[this.pos++] = id;
    this.given++;
    return this;
  }

  /** An optional Tensor argument (undefined = None). */
  optT(x: TensorInfo | undefined | null): this {
    if (x) return this.t(x);
    this.backend.args[this.pos++] = -1;
    this.given++;
    return this;
  }

  /** An int, float or bool argument (bool as 0/1). */
  n(value: number | boolean): this {
    this.backend.args[this.pos++] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    this.given++;
    return this;
  }

  /** None for an optional argument. */
  none(): this {
    this.backend.args[this.pos++] = NaN;
    this.given++;
    return this;
  }

  /** A Scalar argument holding a float. */
  f(value: number): this {
    const a = this.backend.args;
    a[this.pos++] = SCALAR_FLOAT;
    a[this.pos++] = value;
    this.given++;
    return this;
  }

  /** A Scalar argument holding an int. */
  i(value: number): this {
    const a = this.backend.args;
    a[this.pos++] = SCALAR_INT;
    a[this.pos++] = value;
    this.given++;
    return this;
  }

  /** A Scalar argument of the dtype of `like` (int for int32/bool tensors, so results keep their dtype). */
  scalarFor(like: TensorInfo, value: number): this {
    return like.dtype === 'float32' ? this.f(value) : this.i(value);
  }

  /** An int[] argument. */
  ints(values: readonly number[]): this {
    const a = this.backend.args;
    a[this.pos++] = values.length;
    for (let k = 0; k < values.length; k++) a[this.pos++] = values[k]!;
    this.given++;
    return this;
  }

  /** A Tensor[] argument. */
  tensors(xs: readonly TensorInfo[]): this {
    const ids = xs.map((x) => this.backend.idOf(x));
    const a = this.backend.args;
    a[this.pos++] = ids.length;
    for (const id of ids) a[this.pos++] = id;
    this.given++;
    return this;
  }

  /** A str argument. */
  s(value: string): this {
    let index = this.strings.get(value);
    if (index === undefined) {
      index = this.backend.addon.intern(value);
      this.strings.set(value, index);
    }
    this.backend.args[this.pos++] = index;
    this.given++;
    return this;
  }

  /** Runs the call; returns its first output (others freed). */
  one(): TensorInfo {
    this.backend.addon.call(this.current!.handle, this.given);
    return this.backend.output();
  }

  /** Runs the call; returns every output. */
  all(): TensorInfo[] {
    this.backend.addon.call(this.current!.handle, this.given);
    return this.backend.outputs();
  }
}
