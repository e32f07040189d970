/**
 * The dynamic batch dimension. The forward is traced at two batch sizes; everything must agree except values that
 * scale with the batch. A Reshape whose target differs in exactly one dimension gets -1 there (ONNX infers it);
 * any other difference (an attribute, a constant made from x.shape[0] or from input values, a changed graph) is an
 * export error naming the op and module path, never a graph that only works at the traced batch size.
 */
import { OnnxExportError } from './errors.js';
import type { GraphNode, OnnxGraph } from './graph.js';
import type { TraceResult } from './trace.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function describeNode(n: GraphNode | undefined): string {
  return n ? `${n.opType}(${n.inputs.join(', ')}) ${JSON.stringify(n.attributes)}` : 'nothing';
}

/**
 * The Reshape targets of a graph traced at two batch sizes, checking that the two graphs are otherwise identical.
 * @param a - the trace at the first batch size
 * @param b - the trace at the second batch size
 * @param batches - the two batch sizes (for messages)
 * @returns the Reshape target of each Reshape node (by node name), -1 marking the batch-dependent dimension
 */
export function reconcileBatchTraces(a: TraceResult, b: TraceResult, batches: [number, number]): Map<string, number[]> {
  const where = `between batch sizes ${batches[0]} and ${batches[1]}`;
  const targets = new Map<string, number[]>();
  const count = Math.max(a.graph.nodes.length, b.graph.nodes.length);
  for (let i = 0; i < count; i++) {
    const na = a.graph.nodes[i];
    const nb = b.graph.nodes[i];
    const origin = (na ?? nb)?.origin ?? { path: '', what: 'the forward' };
    const same =
      na &&
      nb &&
      na.opType === nb.opType &&
      sameList(na.inputs, nb.inputs) &&
      sameList(na.outputs, nb.outputs) &&
      JSON.stringify(na.attributes) === JSON.stringify(nb.attributes);
    if (!same || !na || !nb) {
      throw new OnnxExportError(origin, `the traced graph changes ${where} (${describeNode(na)} vs ${describeNode(nb)}); the forward must not branch on the batch size`);
    }
    if (na.reshapeTo && nb.reshapeTo) targets.set(na.name, reshapeTarget(na, na.reshapeTo, nb.reshapeTo, where));
  }
  const names = new Set([...a.graph.initializers.keys(), ...b.graph.initializers.keys()]);
  for (const name of names) {
    const ia = a.graph.initializers.get(name);
    const ib = b.graph.initializers.get(name);
    const origin = (ia ?? ib)?.origin ?? { path: '', what: 'the forward' };
    if (!ia || !ib || !sameList(ia.dims, ib.dims) || !sameBytes(ia.rawData, ib.rawData)) {
      throw new OnnxExportError(
        origin,
        `the constant '${name}' differs ${where} ([${ia?.dims.join(', ') ?? ''}] vs [${ib?.dims.join(', ') ?? ''}]): it depends on the ` +
          'batch size or on the input values (e.g. tf.zeros([x.shape[0], n]) or a tensor built from x.dataSync()), which a static ' +
          'ONNX constant cannot express. Derive it from x with supported ops, or export with dynamicBatch: false.',
      );
    }
  }
  const values = (t: TraceResult) => t.outputs.map((o) => `${o.key ?? ''}=${o.value}`);
  if (!sameList(values(a), values(b))) throw new OnnxExportError({ path: '', what: 'the forward' }, `the output value changes ${where}`);
  return targets;
}

function reshapeTarget(node: GraphNode, sa: number[], sb: number[], where: string): number[] {
  if (sa.length !== sb.length) throw new OnnxExportError(node.origin, `Reshape changes rank ${where} ([${sa.join(', ')}] vs [${sb.join(', ')}])`);
  const differing = sa.map((d, i) => (d !== sb[i] ? i : -1)).filter((i) => i >= 0);
  if (differing.length > 1) {
    throw new OnnxExportError(
      node.origin,
      `Reshape to [${sa.join(', ')}] / [${sb.join(', ')}] ${where} has more than one batch-dependent dimension; only one can be inferred`,
    );
  }
  return sa.map((d, i) => (differing.includes(i) ? -1 : d));
}

/** The output shape with dimensions that differ between the two traces named 'batch'. */
export function symbolicShape(a: number[], b: number[] | null, batchName: string): Array<number | string> {
  return a.map((d, i) => (b && b[i] !== d ? batchName : d));
}

/**
 * Gives every Reshape node its int64 shape input (named `<node name>/shape`).
 * @param graph - the graph to finish
 * @param targets - Reshape targets by node name; nodes not listed use their traced shape
 */
export function addReshapeShapes(graph: OnnxGraph, targets: Map<string, number[]>): void {
  for (const node of graph.nodes) {
    if (!node.reshapeTo) continue;
    const target = targets.get(node.name) ?? node.reshapeTo;
    node.inputs.push(graph.addInt64Constant(`${node.name}/shape`, target, [target.length], node.origin));
    delete node.reshapeTo;
  }
}
