/**
 * Named dynamic axes (torch.onnx.export's dynamic_axes). The forward is traced several times: once at the example's
 * sizes, once per named axis with only that axis changed, and once with every axis changed (a check). The traced
 * graphs must have the same nodes; every value that differs between them must be an affine function of the axis
 * sizes (`c + a·batch + b·sequence`), which is then computed in the graph from the inputs' shapes:
 * - Reshape targets: a dimension copied from the input (0), an affine size, or -1 for one remaining dimension;
 * - int constants (Slice bounds, Range limits): affine elementwise;
 * - constants filled with one value (tf.ones([T, T])): Expand to an affine shape;
 * - two-valued triangles (causal masks: bool, 0/1 or 0/-inf; triu/tril of ones): Trilu with an affine diagonal.
 * Anything else (a constant built from input values, a graph that branches on a size) is an export error naming the
 * op and module path, never a graph that only works at the traced sizes.
 */
import { OnnxExportError } from './errors.js';
import { OnnxDataType } from './proto.js';
import type { GraphNode, Initializer, OnnxGraph, Origin } from './graph.js';
import type { TraceResult } from './trace.js';

/** A named dynamic axis and the input dimensions that carry it. */
export interface DynamicAxis {
  name: string;
  /** Input dimensions of this axis; the first gives its size in the graph. */
  sources: Array<{ input: string; dim: number }>;
}

/** One trace and the axis sizes it was made at (in the order of the axes). */
export interface TracePoint {
  sizes: number[];
  result: TraceResult;
}

/** An affine function of the axis sizes: c + Σ a[k]·size[k]. */
interface Affine {
  c: number;
  a: number[];
}

const ORIGIN: Origin = { path: '', what: 'dynamic axes' };

/**
 * The sizes to trace at: the base, then each axis changed alone, then all changed (the check). Sizes are at least 2
 * (the example is repeated to reach them): tfjs skips kernels at size 1 (a broadcast to one row is no Tile), which
 * would make the traces differ for no reason.
 * @param example - each axis's size in the example inputs
 */
export function tracePlan(example: number[]): number[][] {
  if (example.length === 0) return [[]];
  const base = example.map((b) => Math.max(b, 2));
  const alt = base.map((b) => (b > 2 ? b - 1 : b + 1));
  const check = base.map((b) => (b > 3 ? b - 2 : b + 2));
  return [base, ...base.map((_, k) => base.map((b, j) => (j === k ? (alt[j] as number) : b))), check];
}

function fit(values: number[], points: TracePoint[]): Affine | null {
  const base = points[0] as TracePoint;
  const v0 = values[0] as number;
  const a = base.sizes.map((s, k) => {
    const p = points[k + 1] as TracePoint;
    return ((values[k + 1] as number) - v0) / ((p.sizes[k] as number) - s);
  });
  if (a.some((x) => !Number.isInteger(x))) return null;
  const c = v0 - a.reduce((acc, x, k) => acc + x * (base.sizes[k] as number), 0);
  const ok = points.every((p, t) => c + a.reduce((acc, x, k) => acc + x * (p.sizes[k] as number), 0) === values[t]);
  return ok ? { c, a } : null;
}

function describeAffine(f: Affine, axes: DynamicAxis[]): string {
  const terms = f.a.flatMap((x, k) => (x === 0 ? [] : [`${x === 1 ? '' : `${x}*`}${axes[k]!.name}`]));
  if (f.c !== 0 || terms.length === 0) terms.push(String(f.c));
  return terms.join(' + ');
}

function elementValues(init: Initializer): number[] | null {
  const view = new DataView(init.rawData.buffer, init.rawData.byteOffset, init.rawData.byteLength);
  if (init.dataType === OnnxDataType.INT64) return Array.from({ length: init.rawData.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  if (init.dataType === OnnxDataType.INT32) return Array.from({ length: init.rawData.length / 4 }, (_, i) => view.getInt32(i * 4, true));
  return null;
}

function elementSize(dataType: number): number {
  return dataType === OnnxDataType.INT64 ? 8 : dataType === OnnxDataType.BOOL || dataType === OnnxDataType.UINT8 ? 1 : 4;
}

/** The single repeated element's bytes, or null when the tensor holds different values (or none). */
function uniformElement(init: Initializer): Uint8Array | null {
  const size = elementSize(init.dataType);
  const n = init.rawData.length / size;
  if (n === 0) return null;
  const first = init.rawData.subarray(0, size);
  for (let i = 1; i < n; i++) {
    for (let b = 0; b < size; b++) if (init.rawData[i * size + b] !== first[b]) return null;
  }
  return first;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function describeNode(n: GraphNode | undefined): string {
  return n ? `${n.opType}(${n.inputs.join(', ')}) ${JSON.stringify(n.attributes)}` : 'nothing';
}

/** Builds the int64 values computed from the inputs' shapes; its nodes go to the front of the graph. */
class SymbolicSizes {
  readonly prefix: GraphNode[] = [];
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly graph: OnnxGraph,
    private readonly axes: DynamicAxis[],
  ) {}

  private node(opType: string, inputs: string[], attributes: GraphNode['attributes'] = {}, output?: string): string {
    const node = this.graph.addNode(opType, inputs, ORIGIN, attributes);
    this.graph.nodes.pop();
    if (output !== undefined) node.outputs[0] = output;
    this.prefix.push(node);
    return node.outputs[0] as string;
  }

  private cached(key: string, make: () => string): string {
    let name = this.cache.get(key);
    if (name === undefined) {
      name = make();
      this.cache.set(key, name);
    }
    return name;
  }

  private constant(values: number[]): string {
    return this.cached(`c:${values.join(',')}`, () => this.graph.addInt64Constant('/dynamic_axes/const', values, [values.length], ORIGIN));
  }

  /** The axis size as int64 [1]. */
  private axis(k: number): string {
    const source = this.axes[k]!.sources[0]!;
    return this.cached(`axis:${k}`, () => this.node('Shape', [source.input], { start: source.dim, end: source.dim + 1 }));
  }

  /** An affine size as int64 [1]. */
  scalar(f: Affine): string {
    return this.cached(`s:${f.c}:${f.a.join(',')}`, () => {
      let sum: string | null = null;
      f.a.forEach((x, k) => {
        if (x === 0) return;
        const term = x === 1 ? this.axis(k) : this.node('Mul', [this.axis(k), this.constant([x])]);
        sum = sum === null ? term : this.node('Add', [sum, term]);
      });
      if (sum === null) return this.constant([f.c]);
      return f.c === 0 ? sum : this.node('Add', [sum, this.constant([f.c])]);
    });
  }

  /** A 1-D int64 vector whose elements are numbers or affine sizes. */
  vector(elements: Array<number | Affine>): string {
    const pieces: string[] = [];
    let run: number[] = [];
    for (const e of elements) {
      if (typeof e === 'number') {
        run.push(e);
        continue;
      }
      if (run.length > 0) pieces.push(this.constant(run));
      run = [];
      pieces.push(this.scalar(e));
    }
    if (run.length > 0) pieces.push(this.constant(run));
    return pieces.length === 1 ? (pieces[0] as string) : this.node('Concat', pieces, { axis: 0 });
  }

  /** Replaces the initializer `name` by a value computed in the graph. */
  replaceInt(init: Initializer, elements: Array<number | Affine>): void {
    let value = this.vector(elements);
    if (init.dims.length === 0) value = this.node('Squeeze', [value, this.constant([0])]);
    else if (init.dims.length > 1) value = this.node('Reshape', [value, this.constant(init.dims)]);
    this.graph.initializers.delete(init.name);
    if (init.dataType === OnnxDataType.INT32) this.node('Cast', [value], { to: OnnxDataType.INT32 }, init.name);
    else this.node('Identity', [value], {}, init.name);
  }

  /** Replaces a two-valued triangle (a causal mask, tril/triu of ones) by Where(Trilu(Expand(1, shape), k), inside, outside). */
  replaceTriangle(init: Initializer, dims: Array<number | Affine>, t: Omit<Triangle, 'diagonal'> & { diagonal: number | Affine }): void {
    const size = elementSize(init.dataType);
    const scalar = (at: number, what: string) => this.graph.addInitializer(this.graph.uniqueValueName(`${init.name}/${what}`), [], init.dataType, init.rawData.slice(at, at + size), init.origin);
    const one = this.graph.addFloatConstant(`${init.name}/one`, [1], [], init.origin);
    const ones = this.node('Expand', [one, this.vector(dims)]);
    const k = this.node('Squeeze', [this.vector([t.diagonal]), this.constant([0])]);
    const mask = this.node('Cast', [this.node('Trilu', [ones, k], { upper: t.upper ? 1 : 0 })], { to: OnnxDataType.BOOL });
    if (init.dataType === OnnxDataType.BOOL) {
      // onnxruntime has no bool Where: the mask itself, or its negation.
      const insideTrue = init.rawData[t.insideAt] === 1;
      this.graph.initializers.delete(init.name);
      this.node(insideTrue ? 'Identity' : 'Not', [mask], {}, init.name);
      return;
    }
    const inside = scalar(t.insideAt, 'inside');
    const outside = scalar(t.outsideAt, 'outside');
    this.graph.initializers.delete(init.name);
    this.node('Where', [mask, inside, outside], {}, init.name);
  }

  /** Replaces the initializer `name` (one repeated value) by Expand(value, shape). */
  replaceUniform(init: Initializer, element: Uint8Array, dims: Array<number | Affine>): void {
    const scalar = this.graph.addInitializer(this.graph.uniqueValueName(`${init.name}/value`), [], init.dataType, element.slice(), init.origin);
    this.graph.initializers.delete(init.name);
    this.node('Expand', [scalar, this.vector(dims)], {}, init.name);
  }
}

/** An initializer's elements as numbers (bool, float32, int32, int64), or null for other types. */
function numbersOf(init: Initializer): number[] | null {
  const ints = elementValues(init);
  if (ints) return ints;
  if (init.dataType === OnnxDataType.BOOL) return Array.from(init.rawData);
  if (init.dataType !== OnnxDataType.FLOAT) return null;
  const view = new DataView(init.rawData.buffer, init.rawData.byteOffset, init.rawData.byteLength);
  return Array.from({ length: init.rawData.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** A two-valued triangle in the last two dimensions: `inside` where the triangle is, `outside` elsewhere. */
interface Triangle {
  upper: boolean;
  diagonal: number;
  /** Byte offsets of one inside and one outside element (their values become the Where branches). */
  insideAt: number;
  outsideAt: number;
}

/**
 * Whether a constant holds two values laid out as a triangle in its last two dimensions (the same in every leading
 * index): lower means element (i, j) is inside when j - i <= diagonal (torch.tril), upper when j - i >= diagonal
 * (torch.triu). Causal masks are such constants: bool, 0/1, or 0/-inf additive masks.
 */
function triangleOf(init: Initializer): Triangle | null {
  if (init.dims.length < 2) return null;
  const values = numbersOf(init);
  if (!values || values.length === 0) return null;
  const rows = init.dims[init.dims.length - 2] as number;
  const cols = init.dims[init.dims.length - 1] as number;
  const size = rows * cols;
  for (let m = size; m < values.length; m++) if (!Object.is(values[m], values[m % size])) return null;
  const distinct = [...new Set(values.slice(0, size))];
  if (distinct.length !== 2) return null;
  const bytes = elementSize(init.dataType);
  for (const inside of distinct) {
    const isIn = (i: number, j: number) => Object.is(values[i * cols + j], inside);
    const matches = (upper: boolean, d: number) => {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (isIn(i, j) !== (upper ? j - i >= d : j - i <= d)) return false;
      return true;
    };
    const at = (v: number) => values.findIndex((x) => Object.is(x, v)) * bytes;
    const outside = distinct.find((v) => !Object.is(v, inside)) as number;
    for (let d = -rows; d <= cols; d++) if (matches(false, d)) return { upper: false, diagonal: d, insideAt: at(inside), outsideAt: at(outside) };
    for (let d = cols; d >= -rows; d--) if (matches(true, d)) return { upper: true, diagonal: d, insideAt: at(inside), outsideAt: at(outside) };
  }
  return null;
}

/** Resolves one list of per-trace numbers: constant, affine, or null. */
function resolve(values: number[], points: TracePoint[]): number | Affine | null {
  if (values.every((v) => v === values[0])) return values[0] as number;
  return fit(values, points);
}

/** Names the first axis whose change alone changes `values` (for error messages). */
function culprit(values: unknown[], axes: DynamicAxis[]): string {
  const k = values.slice(1, axes.length + 1).findIndex((v) => JSON.stringify(v) !== JSON.stringify(values[0]));
  return k >= 0 ? `the size of the dynamic axis '${axes[k]!.name}'` : 'the sizes of the dynamic axes together';
}

/**
 * Checks the traces agree and makes everything that follows the dynamic axes symbolic in the first trace's graph
 * (which is returned ready to serialise: Reshape nodes get their shape inputs).
 * @param points - traces in tracePlan order
 * @param axes - the dynamic axes, in the order of each point's sizes
 * @returns the output shapes, with axis names (or affine expressions) for the dynamic dimensions
 */
export function reconcileTraces(points: TracePoint[], axes: DynamicAxis[]): Array<Array<number | string>> {
  const first = points[0] as TracePoint;
  const graph = first.result.graph;
  const where = (i: number) => `between the traces at ${points.map((p) => `{${p.sizes.map((s, k) => `${axes[k]!.name}: ${s}`).join(', ')}}`)[i]}`;
  const sym = new SymbolicSizes(graph, axes);

  graph.nodes.forEach((na, i) => {
    for (let t = 1; t < points.length; t++) {
      const nb = points[t]!.result.graph.nodes[i];
      const same = nb && na.opType === nb.opType && sameList(na.inputs, nb.inputs) && sameList(na.outputs, nb.outputs) && JSON.stringify(na.attributes) === JSON.stringify(nb.attributes);
      if (!same) {
        throw new OnnxExportError(na.origin, `the traced graph changes ${where(t)} (${describeNode(na)} vs ${describeNode(nb)}); the forward must not branch on the size of a dynamic axis`);
      }
    }
  });
  for (let t = 1; t < points.length; t++) {
    const nodes = points[t]!.result.graph.nodes;
    if (nodes.length !== graph.nodes.length) {
      throw new OnnxExportError(nodes[graph.nodes.length]?.origin ?? ORIGIN, `the traced graph has ${graph.nodes.length} nodes at the example sizes and ${nodes.length} ${where(t)}; the forward must not branch on the size of a dynamic axis`);
    }
  }

  for (const [name, init] of [...graph.initializers]) {
    const all = points.map((p) => p.result.graph.initializers.get(name));
    if (all.every((x) => x && sameList(x.dims, init.dims) && sameBytes(x.rawData, init.rawData))) continue;
    const fail = (): never => {
      throw new OnnxExportError(
        init.origin,
        `the constant '${name}' ([${all.map((x) => `[${x?.dims.join(', ') ?? 'missing'}]`).join(' / ')}] across the traces) depends on ${culprit(all.map((x) => (x ? [x.dims, Array.from(x.rawData)] : null)), axes)} ` +
          'or on the input values (e.g. a tensor built from x.dataSync(), or tf.linspace over x.shape[0]), which an ONNX constant cannot express. ' +
          'Derive it from the input with supported ops (tf.range, tf.ones, slices), or leave that axis out of dynamicAxes.',
      );
    };
    if (all.some((x) => !x || x.dims.length !== init.dims.length || x.dataType !== init.dataType)) fail();
    const present = all as Initializer[];
    const sameDims = present.every((x) => sameList(x.dims, init.dims));
    const ints = present.map(elementValues);
    if (sameDims && ints.every((v) => v !== null)) {
      const elements = (ints[0] as number[]).map((_, e) => resolve(ints.map((v) => (v as number[])[e] as number), points));
      if (elements.every((e) => e !== null)) {
        sym.replaceInt(init, elements as Array<number | Affine>);
        continue;
      }
    }
    const uniform = present.map(uniformElement);
    const element = uniform[0];
    if (element && uniform.every((u) => u && sameBytes(u, element))) {
      const dims = init.dims.map((_, d) => resolve(present.map((x) => x.dims[d] as number), points));
      if (dims.every((d) => d !== null)) {
        sym.replaceUniform(init, element, dims as Array<number | Affine>);
        continue;
      }
    }
    const triangles = present.map(triangleOf);
    const first = triangles[0];
    const size = elementSize(init.dataType);
    const bytesAt = (x: Initializer, at: number) => x.rawData.subarray(at, at + size);
    const sameValues = (t: Triangle | null, x: Initializer) =>
      t !== null && first !== null && sameBytes(bytesAt(x, t.insideAt), bytesAt(present[0]!, first.insideAt)) && sameBytes(bytesAt(x, t.outsideAt), bytesAt(present[0]!, first.outsideAt));
    if (first && triangles.every((t, i) => t && t.upper === first.upper && sameValues(t, present[i]!))) {
      const dims = init.dims.map((_, d) => resolve(present.map((x) => x.dims[d] as number), points));
      const diagonal = resolve(triangles.map((t) => t!.diagonal), points);
      if (dims.every((d) => d !== null) && diagonal !== null) {
        sym.replaceTriangle(init, dims as Array<number | Affine>, { ...first, diagonal });
        continue;
      }
    }
    fail();
  }

  for (const [i, node] of graph.nodes.entries()) {
    if (!node.reshapeTo) continue;
    const targets = points.map((p) => p.result.graph.nodes[i]!.reshapeTo as number[]);
    const froms = points.map((p) => p.result.graph.nodes[i]!.reshapeFrom);
    if (targets.some((t) => t.length !== node.reshapeTo!.length)) throw new OnnxExportError(node.origin, `Reshape changes rank across the traces ([${targets.map((t) => t.join(', ')).join('] / [')}])`);
    const unresolved: number[] = [];
    const dims: Array<number | Affine> = node.reshapeTo.map((_, d) => {
      const values = targets.map((t) => t[d] as number);
      if (values.every((v) => v === values[0])) return values[0] as number;
      if (froms.every((f, t) => f && f[d] === values[t])) return 0;
      const f = fit(values, points);
      if (f) return f;
      unresolved.push(d);
      return -1;
    });
    if (unresolved.length > 1) {
      throw new OnnxExportError(
        node.origin,
        `Reshape to [${targets.map((t) => t.join(', ')).join('] / [')}] across the traces has ${unresolved.length} dimensions (${unresolved.join(', ')}) that follow the dynamic axes but are neither copied from the input nor affine in the axis sizes; only one can be inferred (-1)`,
      );
    }
    const shape = dims.some((d) => typeof d !== 'number')
      ? sym.vector(dims)
      : graph.addInt64Constant(`${node.name}/shape`, dims as number[], [dims.length], node.origin);
    node.inputs.push(shape);
    delete node.reshapeTo;
    delete node.reshapeFrom;
  }
  graph.nodes.unshift(...sym.prefix);

  return first.result.outputs.map((o, i) =>
    o.shape.map((d, j) => {
      const values = points.map((p) => p.result.outputs[i]!.shape[j] as number);
      if (values.every((v) => v === d)) return d;
      const f = fit(values, points);
      if (!f) return `${o.key ?? `output_${i}`}_dim_${j}`;
      const axis = f.c === 0 && f.a.filter((x) => x !== 0).length === 1 ? f.a.findIndex((x) => x === 1) : -1;
      return axis >= 0 ? axes[axis]!.name : describeAffine(f, axes);
    }),
  );
}

/** Gives every Reshape node its constant shape input (a graph without dynamic axes). */
export function addStaticReshapeShapes(graph: OnnxGraph): void {
  for (const node of graph.nodes) {
    if (!node.reshapeTo) continue;
    node.inputs.push(graph.addInt64Constant(`${node.name}/shape`, node.reshapeTo, [node.reshapeTo.length], node.origin));
    delete node.reshapeTo;
    delete node.reshapeFrom;
  }
}
