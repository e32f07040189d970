/**
 * The `torch` tfjs backend: tensors live as libtorch tensors in the addon (native.ts) and tfjs data ids map to
 * their table ids, as tfjs-node's NodeJSKernelBackend maps them to TensorFlow handles. Values written from
 * JavaScript stay on the JS side until a kernel first needs them (then one upload), and reads copy the tensor
 * out once. Kernels (kernels-*.ts) call ATen operators through `call()`.
 */
import { KernelBackend, util } from '@tensorflow/tfjs-core';
import type { BackendValues, DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { dtypeOf, SCALAR_TYPE, type TorchAddon } from './native.js';
import { OpCall } from './op-call.js';

/** What the backend holds for one tfjs data id. */
interface TensorData {
  /** Addon table id, -1 until uploaded. */
  id: number;
  /** Host values not yet uploaded (or a cached read). */
  values: BackendValues | null;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

const ARG_SLOTS = 1 << 14;
const META_SLOTS = 1 << 10;

export class TorchBackend extends KernelBackend {
  private readonly data = new Map<DataId, TensorData>();
  readonly meta = new Int32Array(META_SLOTS);
  readonly args = new Float64Array(ARG_SLOTS);
  /** The writer kernels use to call ATen operators. */
  readonly op: OpCall;

  constructor(readonly addon: TorchAddon) {
    super();
    addon.setBuffers(this.meta, this.args);
    this.op = new OpCall(this);
  }

  /** The addon table id of a tensor, uploading its host values on first use. */
  idOf(t: TensorInfo): number {
    const d = this.data.get(t.dataId);
    if (!d) throw new Error('twinml torch backend: tensor data was disposed or belongs to another backend');
    if (d.id >= 0) return d.id;
    const code = (SCALAR_TYPE as Record<string, number>)[d.dtype];
    if (code === undefined) throw new Error(`twinml torch backend: dtype ${d.dtype} is not supported (float32, int32 and bool are)`);
    const rank = d.shape.length;
    for (let i = 0; i < rank; i++) this.meta[i] = d.shape[i]!;
    let values = d.values;
    if (values === null) values = new (d.dtype === 'float32' ? Float32Array : d.dtype === 'int32' ? Int32Array : Uint8Array)(util.sizeFromShape(d.shape));
    d.id = this.addon.upload(values as Float32Array | Int32Array | Uint8Array, code, rank);
    d.values = null;
    return d.id;
  }

  /** Output `k` (0-based) of the last addon call, read from the meta buffer as a new tfjs tensor. */
  outputs(): TensorInfo[] {
    const meta = this.meta;
    const n = meta[0]!;
    const out: TensorInfo[] = [];
    let pos = 1;
    for (let k = 0; k < n; k++) {
      const id = meta[pos]!;
      const dtype = dtypeOf(meta[pos + 1]!);
      const rank = meta[pos + 2]!;
      const shape = Array.from(meta.subarray(pos + 3, pos + 3 + rank));
      pos += 3 + rank;
      out.push(this.adopt(id, shape, dtype));
    }
    return out;
  }

  /** The first output of the last addon call (the others are freed). */
  output(): TensorInfo {
    const meta = this.meta;
    const rank = meta[3]!;
    const shape: number[] = new Array<number>(rank);
    for (let i = 0; i < rank; i++) shape[i] = meta[4 + i]!;
    const info = this.adopt(meta[1]!, shape, dtypeOf(meta[2]!));
    if (meta[0]! > 1) {
      let pos = 4 + rank;
      for (let k = 1; k < meta[0]!; k++) {
        this.addon.free(meta[pos]!);
        pos += 3 + meta[pos + 2]!;
      }
    }
    return info;
  }

  /** Registers addon tensor `id` under a new data id. */
  adopt(id: number, shape: number[], dtype: DataType): TensorInfo {
    const dataId = {};
    this.data.set(dataId, { id, values: null, shape, dtype, refCount: 1 });
    return { dataId, shape, dtype };
  }

  /** A tensor of `shape` sharing x's data (Identity; tfjs data is never written after creation). */
  share(x: TensorInfo): TensorInfo {
    this.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }

  /** Frees a kernel's intermediate (a TensorInfo made by this backend and not returned to tfjs). */
  release(t: TensorInfo): void {
    this.disposeData(t.dataId, false);
  }

  override numDataIds(): number {
    return this.data.size;
  }

  /** Tensors alive in the addon (for leak tests: stays flat when numDataIds does). */
  nativeTensorCount(): number {
    return this.addon.liveCount();
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.move(dataId, values, shape, dtype, 1);
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.data.set(dataId, { id: -1, values: values ?? null, shape, dtype, refCount });
  }

  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: DataId): void {
    const d = this.data.get(dataId);
    if (d) d.refCount++;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const d = this.data.get(dataId);
    if (!d) return true;
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    if (d.id >= 0) this.addon.free(d.id);
    this.data.delete(dataId);
    return true;
  }

  override readSync(dataId: DataId): BackendValues {
    const d = this.data.get(dataId);
    if (!d) throw new Error('twinml torch backend: reading a disposed tensor');
    if (d.values !== null) return d.values;
    if (d.dtype === 'string' || d.dtype === 'complex64') throw new Error(`twinml torch backend: dtype ${d.dtype} is not supported`);
    const values = this.addon.download(d.id);
    return values;
  }

  override read(dataId: DataId): Promise<BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  override memory(): { unreliable: boolean; reasons: string[]; numNativeTensors: number } {
    return { unreliable: true, reasons: ['libtorch owns the memory; numNativeTensors counts tensors held in the addon'], numNativeTensors: this.addon.liveCount() };
  }

  override async time(f: () => void): Promise<{ kernelMs: number }> {
    const start = process.hrtime.bigint();
    f();
    return { kernelMs: Number(process.hrtime.bigint() - start) / 1e6 };
  }

  override timerAvailable(): boolean {
    return true;
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {
    for (const dataId of [...this.data.keys()]) this.disposeData(dataId, true);
  }
}
