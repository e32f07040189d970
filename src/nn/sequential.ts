/**
 * Mirrors torch.nn.Sequential: children named '0', '1', ... and called in order.
 *
 * The framework's fast path lives here, taken only when it is invisible: when no forward hook is registered
 * and no child's `call` is wrapped (the ONNX tracer, parity localisation), so every observer still sees every
 * module, and with results equal to calling the children one by one within the parity policy:
 * - a run of consecutive layers that all have a channels-last form (Conv2d, BatchNorm2d, MaxPool2d, AvgPool2d,
 *   Dropout2d, and the elementwise ReLU, LeakyReLU, GELU, Sigmoid, Tanh) containing at least one spatial layer
 *   runs on NHWC, transposed once on the way in and once on the way out (PyTorch's NCHW between runs), unless
 *   the backend runs every spatial layer of the run natively on NCHW (then there is nothing to transpose for:
 *   on wasm, stride-1 Conv2d and 2x2 MaxPool2d);
 * - a Conv2d or Linear directly followed by a ReLU runs as one kernel with its bias and ReLU where the backend
 *   fuses them (src/backend decides).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, isForwardObserved } from './module.js';
import { Conv2d } from './conv.js';
import { Linear } from './linear.js';
import { BatchNorm2d } from './batchnorm.js';
import { AvgPool2d, MaxPool2d } from './pooling.js';
import { Dropout2d } from './dropout2d.js';
import { ReLU, Sigmoid, Tanh } from './activation.js';
import { GELU, LeakyReLU } from './activation-extra.js';
import { toNCHW, toNHWC } from './layout.js';

type ModuleClass = abstract new (...args: never[]) => Module;

/** Layers with a channels-last form that changes the spatial layout's cost (exact classes, not subclasses). */
const SPATIAL: ModuleClass[] = [Conv2d, BatchNorm2d, MaxPool2d, AvgPool2d, Dropout2d];
/** Elementwise layers: the same on any layout. */
const ELEMENTWISE: ModuleClass[] = [ReLU, LeakyReLU, GELU, Sigmoid, Tanh];

const isExactly = (m: Module, classes: ModuleClass[]) => classes.some((c) => m.constructor === c);
const runsChannelsLast = (m: Module) => isExactly(m, SPATIAL) || isExactly(m, ELEMENTWISE);
/** A spatial layer the backend runs natively on NCHW (no transposes to save by going channels-last). */
const runsOnNCHW = (m: Module) => (m.constructor === Conv2d || m.constructor === MaxPool2d) && (m as Conv2d | MaxPool2d).runsOnNCHW();

/** A module with a channels-last forward (the SPATIAL classes). */
interface ChannelsLast {
  forwardChannelsLast(x: tf.Tensor4D): tf.Tensor4D;
}

export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
  }

  get length(): number {
    return this.namedChildren().length;
  }

  at(index: number): Module {
    const kids = this.children();
    const m = kids[index < 0 ? kids.length + index : index];
    if (!m) throw new Error(`Sequential: index ${index} out of range (length ${kids.length})`);
    return m;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const kids = this.children();
    if (kids.some((m) => isForwardObserved(m))) return this.forwardPlain(x, kids);
    return tf.tidy(() => this.forwardFast(x, kids));
  }

  /** Every child through `call`, in order (what PyTorch runs). */
  private forwardPlain(x: tf.Tensor, kids: Module[]): tf.Tensor {
    let out = x;
    for (const m of kids) {
      const next = m.call(out);
      if (out !== x) out.dispose();
      out = next;
    }
    return out === x ? out.clone() : out;
  }

  /** The same results with channels-last runs and fused Conv2d/Linear + ReLU (see the file comment). */
  private forwardFast(x: tf.Tensor, kids: Module[]): tf.Tensor {
    let out = x;
    for (let i = 0; i < kids.length; ) {
      const m = kids[i]!;
      const end = this.channelsLastRunEnd(kids, i);
      if (out.rank === 4 && end > i) {
        out = this.runChannelsLast(out as tf.Tensor4D, kids.slice(i, end));
        i = end;
      } else if (m.constructor === Conv2d && kids[i + 1]?.constructor === ReLU && (m as Conv2d).runsOnNCHW()) {
        out = (m as Conv2d).forwardFused(out, 'relu');
        i += 2;
      } else if (m.constructor === Linear && kids[i + 1]?.constructor === ReLU) {
        out = (m as Linear).forwardFused(out, 'relu');
        i += 2;
      } else {
        out = m.call(out);
        i += 1;
      }
    }
    return out === x ? out.clone() : out;
  }

  /** The end (exclusive) of the channels-last run starting at `start`, or `start` when there is none worth taking. */
  private channelsLastRunEnd(kids: Module[], start: number): number {
    let end = start;
    while (end < kids.length && runsChannelsLast(kids[end]!)) end++;
    const spatial = kids.slice(start, end).filter((m) => isExactly(m, SPATIAL));
    return spatial.length > 0 && !spatial.every(runsOnNCHW) ? end : start;
  }

  /** NCHW in, NHWC through `layers` (fusing Conv2d + ReLU), NCHW out. */
  private runChannelsLast(x: tf.Tensor4D, layers: Module[]): tf.Tensor4D {
    const first = layers[0]!;
    const channels = first instanceof Conv2d ? first.inChannels : first instanceof BatchNorm2d ? first.numFeatures : undefined;
    if (channels !== undefined && x.shape[1] !== channels) {
      throw new Error(`${first.typeName}: expected input [N, ${channels}, H, W], got [${x.shape.join(', ')}]`);
    }
    let out = toNHWC(x);
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!;
      if (m.constructor === Conv2d && layers[i + 1]?.constructor === ReLU) {
        out = (m as Conv2d).forwardChannelsLast(out, 'relu');
        i++;
      } else if (isExactly(m, SPATIAL)) {
        out = (m as Module & ChannelsLast).forwardChannelsLast(out);
      } else {
        out = m.forward(out) as tf.Tensor4D;
      }
    }
    return toNCHW(out);
  }
}
