/**
 * Turns what a caller passes to `predict` (typed arrays, nested arrays, `{ data, shape }`, or a map of them) into
 * checked feed tensors: the right typed array for the model's dtype and a shape that fits the model's spec.
 */
import { allocate, convertElement, DTYPES, dtypeOfArray, matchesDtype } from './dtypes.js';
import type { InputValue, PredictInputs, TensorData, TensorDtype, TensorLike, TensorSpec } from './types.js';

/** A checked tensor ready to feed to a session. */
export interface FeedTensor {
  dtype: TensorDtype;
  shape: number[];
  data: TensorData;
}

export interface FeedOptions {
  /** Accept NaN and ±Infinity in float inputs (default true for the library; the server passes false). */
  allowNonFinite?: boolean;
  /** Accept one sample without the leading batch axis and add it (default true). */
  addBatchAxis?: boolean;
}

/** An error in what the caller sent (wrong name, dtype, shape, value): the server answers these with 400. */
export class InputError extends Error {
  override name = 'InputError';
}

/** `[batch, 784]` style text for a spec shape; null axes print as `?`. */
export function formatSpecShape(shape: TensorSpec['shape']): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function describeSpec(spec: TensorSpec): string {
  const dynamic = spec.shape.filter((d) => typeof d !== 'number' || d < 0);
  const note = dynamic.length > 0 ? ` (dynamic axes: ${dynamic.map((d) => (d === null ? '?' : String(d))).join(', ')})` : '';
  return `${spec.dtype} ${formatSpecShape(spec.shape)}${note}`;
}

function isDynamic(dim: number | string | null): boolean {
  return typeof dim !== 'number' || dim < 0;
}

function isTypedArray(value: unknown): value is TensorData {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Whether a value is one input (not a name -> input map). */
export function isInputValue(value: unknown): value is InputValue {
  return isTypedArray(value) || Array.isArray(value) || isTensorLike(value);
}

function isTensorLike(value: unknown): value is TensorLike {
  if (!value || typeof value !== 'object' || isTypedArray(value) || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  return (
    keys.every((k) => k === 'data' || k === 'shape' || k === 'dtype') &&
    Array.isArray(v.shape) &&
    (Array.isArray(v.data) || isTypedArray(v.data))
  );
}

/**
 * Checks a concrete shape against a spec; throws an InputError naming both shapes.
 * @param name - Input name (for the message).
 * @param shape - The shape the caller's data has.
 * @param spec - The model's input spec.
 */
export function checkShape(name: string, shape: number[], spec: TensorSpec): void {
  const fits =
    shape.length === spec.shape.length && spec.shape.every((d, i) => isDynamic(d) || d === shape[i]);
  if (!fits) {
    throw new InputError(
      `input "${name}" has shape [${shape.join(', ')}] but the model expects ${describeSpec(spec)}`,
    );
  }
}

/** What inferShape needs from a spec, computed once per spec (predict is called with the same specs every time). */
interface SpecLayout {
  dynamicAxes: number[];
  staticSize: number;
}
const layouts = new WeakMap<TensorSpec, SpecLayout>();

function layoutOf(spec: TensorSpec): SpecLayout {
  let layout = layouts.get(spec);
  if (!layout) {
    layout = {
      dynamicAxes: spec.shape.map((d, i) => (isDynamic(d) ? i : -1)).filter((i) => i >= 0),
      staticSize: spec.shape.reduce<number>((n, d) => (isDynamic(d) ? n : n * (d as number)), 1),
    };
    layouts.set(spec, layout);
  }
  return layout;
}

/** Infers the shape of flat data from a spec with at most one dynamic axis. */
function inferShape(name: string, length: number, spec: TensorSpec): number[] {
  const { dynamicAxes, staticSize } = layoutOf(spec);
  if (dynamicAxes.length === 0 && length === staticSize) return spec.shape as number[];
  if (dynamicAxes.length === 1 && staticSize > 0 && length % staticSize === 0 && length > 0) {
    return spec.shape.map((d) => (isDynamic(d) ? length / staticSize : (d as number)));
  }
  throw new InputError(
    `input "${name}" has ${length} values, which do not fit the model's ${describeSpec(spec)}; ` +
      'pass { data, shape } to give the shape explicitly',
  );
}

/** Deepest nesting accepted for nested-array inputs (ONNX tensors of higher rank are not used in practice). */
const MAX_RANK = 32;

/** Shape of a nested array, following first entries (flattenInto checks that it is rectangular). */
function nestedShape(name: string, value: unknown[]): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    if (shape.length === MAX_RANK) throw new InputError(`input "${name}" is nested deeper than ${MAX_RANK} levels`);
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenInto(
  name: string,
  value: unknown,
  shape: number[],
  axis: number,
  out: TensorData,
  offset: { i: number },
  dtype: TensorDtype,
  allowNonFinite: boolean,
): void {
  if (axis === shape.length) {
    if (Array.isArray(value)) throw new InputError(`input "${name}" is not rectangular: too many nesting levels at element ${offset.i}`);
    writeElement(name, value, out, offset.i++, dtype, allowNonFinite);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[axis]) {
    throw new InputError(
      `input "${name}" is not rectangular: expected ${shape[axis]} entries on axis ${axis}, got ${Array.isArray(value) ? value.length : 'a scalar'}`,
    );
  }
  for (const item of value) flattenInto(name, item, shape, axis + 1, out, offset, dtype, allowNonFinite);
}

function writeElement(name: string, value: unknown, out: TensorData, index: number, dtype: TensorDtype, allowNonFinite: boolean): void {
  const converted = convertElement(value, dtype, allowNonFinite);
  if (!converted.ok) throw new InputError(`input "${name}" element ${index}: ${converted.why} (model expects ${dtype})`);
  (out as unknown as Array<number | bigint>)[index] = converted.value;
}

/** Converts a flat array-like of JS values to the typed array for `dtype`. */
function convertFlat(name: string, values: ArrayLike<unknown>, dtype: TensorDtype, allowNonFinite: boolean): TensorData {
  const out = allocate(dtype, values.length);
  if (dtype === 'float32' || dtype === 'float64') {
    const f = out as Float32Array | Float64Array;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number' && (allowNonFinite || Number.isFinite(v))) f[i] = v;
      else writeElement(name, v, out, i, dtype, allowNonFinite);
    }
    return out;
  }
  for (let i = 0; i < values.length; i++) writeElement(name, values[i], out, i, dtype, allowNonFinite);
  return out;
}

function checkTypedArray(name: string, data: TensorData, spec: TensorSpec, allowNonFinite: boolean): void {
  if (!matchesDtype(data, spec.dtype)) {
    throw new InputError(
      `input "${name}" expects ${spec.dtype} (${DTYPES[spec.dtype].array.name}), got ${data.constructor.name}` +
        (dtypeOfArray(data) ? ` (${dtypeOfArray(data)})` : ''),
    );
  }
  if (!allowNonFinite && (spec.dtype === 'float32' || spec.dtype === 'float64')) {
    const f = data as Float32Array | Float64Array;
    for (let i = 0; i < f.length; i++) {
      if (!Number.isFinite(f[i]!)) throw new InputError(`input "${name}" element ${i}: ${f[i]} is not allowed (NaN/Infinity)`);
    }
  }
}

function addBatchAxis(shape: number[], spec: TensorSpec, enabled: boolean): number[] {
  const first = spec.shape[0];
  if (enabled && shape.length === spec.shape.length - 1 && first !== undefined && (isDynamic(first) || first === 1)) {
    const candidate = [1, ...shape];
    if (spec.shape.every((d, i) => isDynamic(d) || d === candidate[i])) return candidate;
  }
  return shape;
}

/**
 * Converts one input value to a FeedTensor for `spec`.
 * @param value - Typed array, nested arrays or `{ data, shape, dtype? }`.
 * @param spec - The model input it feeds.
 * @param options - Non-finite policy and batch-axis handling.
 */
export function toFeedTensor(value: InputValue, spec: TensorSpec, options: FeedOptions = {}): FeedTensor {
  const allowNonFinite = options.allowNonFinite ?? true;
  const batch = options.addBatchAxis ?? true;
  const name = spec.name;
  let data: TensorData;
  let shape: number[];
  if (isTypedArray(value)) {
    checkTypedArray(name, value, spec, allowNonFinite);
    data = value;
    shape = inferShape(name, value.length, spec);
  } else if (Array.isArray(value)) {
    shape = nestedShape(name, value);
    const size = shape.reduce((a, b) => a * b, 1);
    data = allocate(spec.dtype, size);
    flattenInto(name, value, shape, 0, data, { i: 0 }, spec.dtype, allowNonFinite);
    shape = addBatchAxis(shape, spec, batch);
  } else if (isTensorLike(value)) {
    if (value.dtype !== undefined && value.dtype !== spec.dtype) {
      throw new InputError(`input "${name}" has dtype ${value.dtype} but the model expects ${spec.dtype}`);
    }
    shape = value.shape;
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InputError(`input "${name}" shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (isTypedArray(value.data)) {
      checkTypedArray(name, value.data, spec, allowNonFinite);
      data = value.data;
    } else {
      // Row-major nested lists (as OIP clients may send) are flattened when every entry is a list.
      const list = value.data as unknown as unknown[];
      // Flattening stops at the shape's rank, so absurdly deep nesting cannot exhaust the stack.
      const flat = list.length > 0 && list.every(Array.isArray) ? list.flat(Math.max(1, shape.length - 1)) : value.data;
      data = convertFlat(name, flat as ArrayLike<unknown>, spec.dtype, allowNonFinite);
    }
    if (data.length !== size) {
      throw new InputError(`input "${name}" has ${data.length} values but shape [${shape.join(', ')}] needs ${size}`);
    }
    shape = addBatchAxis(shape, spec, batch);
  } else {
    throw new InputError(`input "${name}" must be a typed array, nested arrays or { data, shape }`);
  }
  checkShape(name, shape, spec);
  return { dtype: spec.dtype, shape, data };
}

/**
 * Maps the caller's inputs onto the model's inputs; throws an InputError for a missing, unknown or malformed input.
 * @param inputs - One value (single-input model) or `{ name: value }`.
 * @param specs - The model's inputs.
 * @param options - Conversion options.
 */
export function toFeeds(inputs: PredictInputs, specs: TensorSpec[], options: FeedOptions = {}): Record<string, FeedTensor> {
  const expected = (): string => specs.map((s) => `"${s.name}"`).join(', ');
  let named: Record<string, InputValue>;
  if (isInputValue(inputs)) {
    if (specs.length !== 1) {
      throw new InputError(`the model has ${specs.length} inputs (${expected()}): pass { name: value } for each`);
    }
    named = { [specs[0]!.name]: inputs };
  } else if (inputs && typeof inputs === 'object') {
    named = inputs as Record<string, InputValue>;
  } else {
    throw new InputError(`inputs must be a tensor or { name: tensor }; the model's inputs are ${expected()}`);
  }
  const unknown = Object.keys(named).filter((k) => !specs.some((s) => s.name === k));
  if (unknown.length > 0) throw new InputError(`unknown input ${unknown.map((u) => `"${u}"`).join(', ')}; the model's inputs are ${expected()}`);
  const feeds: Record<string, FeedTensor> = {};
  for (const spec of specs) {
    const value = named[spec.name];
    if (value === undefined) throw new InputError(`missing input "${spec.name}"; the model's inputs are ${expected()}`);
    feeds[spec.name] = toFeedTensor(value, spec, options);
  }
  return feeds;
}
