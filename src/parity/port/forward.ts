/**
 * A traced forward (torch.fx nodes with their Python statements) → the body of a TS `forward`: one TS statement per
 * value the Python code named (the Python variable names, reassigned like in Python), every value used once inside
 * its own Python statement inlined, and a `// net.py:23` comment on each statement.
 */
import type { ChildDescription, ClassDescription, ClassInstance, FxArg, FxNode, SourceFrame, TorchChild, ValueMeta } from './description.js';
import { translateModule, isInplaceModule } from './modules.js';
import { translateFunction, translateMethod, type OpContext, type OpResult, type ValueKind } from './ops.js';
import { assignedNames, camel, localName } from './names.js';
import { whereLabel, type PortGap } from './gaps.js';
import { literal } from './modules.js';

/** What the forward translation needs to know about the other user classes. */
export interface ClassLookup {
  /** The TS class name generated for the user instance with this Python id. */
  classOf(instanceId: number): string;
  /** Whether the forward of the class generated for this instance returns an array of tensors. */
  returnsTuple(instanceId: number): boolean;
}

/** The generated forward. */
export interface ForwardCode {
  /** `forward(x: tf.Tensor): tf.Tensor {` … `}` lines, indented by two spaces. */
  lines: string[];
  /** The TS return type (tf.Tensor or a tuple type). */
  returnType: string;
  gaps: PortGap[];
}

interface Stmt {
  key: string;
  frame: SourceFrame | null;
  /** The innermost frame (where the op happens), for the comment. */
  site: SourceFrame | null;
}

const isRef = (a: FxArg | undefined): a is { node: string } => typeof a === 'object' && a !== null && !Array.isArray(a) && 'node' in a;

/** fx's check on a forward argument traced as the constant None (`past=None`). */
const isNoneAssert = (n: FxNode): boolean => n.op === 'call_function' && (n.target ?? '').endsWith('_assert_is_none');

/** Placeholders traced as the constant None: no TS parameter (the port follows the None side). */
function noneParams(nodes: FxNode[]): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) if (isNoneAssert(n) && isRef(n.args[0])) out.add(n.args[0].node);
  return out;
}

/** The TS type of a forward's output from the sample run: tf.Tensor, or a (nested) tuple of them. */
function outputType(out: FxArg, byName: Map<string, FxNode>): string {
  if (Array.isArray(out)) return `[${out.map((o) => outputType(o, byName)).join(', ')}]`;
  if (isRef(out)) return metaType(byName.get(out.node)?.value ?? null);
  return 'tf.Tensor';
}

function metaType(meta: ValueMeta | null): string {
  if (meta && meta.kind === 'tuple' && meta.items) return `[${meta.items.map((m) => metaType(m)).join(', ')}]`;
  return 'tf.Tensor';
}

function effectiveFrames(frames: SourceFrame[]): SourceFrame[] {
  const out = [...frames];
  while (out.length > 1 && /^return\b/.test(out[out.length - 1]!.code)) out.pop();
  return out;
}

function comment(frame: SourceFrame | null): string {
  if (!frame) return '';
  return ` // ${whereLabel(frame.file, frame.line)}${frame.function !== 'forward' ? ` (${frame.function})` : ''}`;
}

/** The expression reaching a child by its fx path (`features.0` → `this.features.at(0)`), its description, and its TS type. */
export function childAccess(children: Array<[string, ChildDescription]>, path: string, lookup: ClassLookup): { expr: string; child: ChildDescription | null; type: string } {
  const parts = path.split('.');
  let list = children;
  let expr = 'this';
  let child: ChildDescription | null = null;
  let container: ChildDescription['kind'] | null = null;
  for (const part of parts) {
    const found = list.find(([k]) => k === part);
    if (!found) return { expr: `this.${path}`, child: null, type: 'nn.Module' };
    child = found[1];
    const type = child.kind === 'torch' ? `nn.${child.type}` : child.kind === 'user' ? lookup.classOf(child.instance) : `nn.${child.kind}`;
    if (container === 'ModuleList') expr += `.at<${type}>(${part})`;
    else if (container === 'ModuleDict') expr += `.get<${type}>(${literal(part)})`;
    else if (container === 'Sequential') expr += `.at(${part})`;
    else expr += `.${part}`;
    container = child.kind === 'Sequential' || child.kind === 'ModuleList' || child.kind === 'ModuleDict' ? child.kind : null;
    list = 'items' in child ? child.items : [];
  }
  const c = child!;
  return { expr, child: c, type: c.kind === 'torch' ? `nn.${c.type}` : c.kind === 'user' ? lookup.classOf(c.instance) : `nn.${c.kind}` };
}

/**
 * Translates one class's forward (from its first instance's trace).
 * @param cls - the class
 * @param inst - the instance whose trace is used
 * @param lookup - the other user classes
 */
export function translateForward(cls: ClassDescription, inst: ClassInstance, lookup: ClassLookup): ForwardCode {
  const gaps: PortGap[] = [];
  const skipped = noneParams(inst.nodes!);
  const nodes = inst.nodes!.filter((n) => !skipped.has(n.name) && !isNoneAssert(n));
  const guards = new Map((inst.guards ?? []).map((g) => [g.node, g]));
  const pos = new Map(nodes.map((n, i) => [n.name, i]));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const stmt = new Map<string, Stmt>();
  for (const n of nodes) {
    const eff = effectiveFrames(n.frames);
    const frame = eff.length ? eff[eff.length - 1]! : null;
    stmt.set(n.name, { key: frame ? `${frame.file}:${frame.line}:${eff.length}:${frame.exec ?? 0}` : `node:${n.name}`, frame, site: n.frames.length ? n.frames[n.frames.length - 1]! : null });
  }
  const gap = (n: FxNode | null, what: string, reason: string, frame?: SourceFrame | null): string => {
    const f = frame ?? (n ? stmt.get(n.name)!.site : null);
    gaps.push({ what, reason, file: f?.file ?? cls.file, line: f?.line ?? cls.line, code: f?.code ?? '', className: cls.name });
    return `unsupported(${literal(`${what} (${whereLabel(f?.file ?? cls.file, f?.line ?? cls.line)})`)})`;
  };

  // Value kinds: from the sample run, refined by the translations.
  const kinds = new Map<string, ValueKind>();
  const kindOf = (a: FxArg | undefined): ValueKind => {
    if (isRef(a)) return kinds.get(a.node) ?? 'unknown';
    if (typeof a === 'number') return 'number';
    if (typeof a === 'boolean') return 'bool';
    return 'other';
  };
  for (const n of nodes) {
    const k = n.value?.kind;
    kinds.set(n.name, k === 'tensor' || k === 'number' || k === 'bool' || k === 'shape' || k === 'tuple' ? k : n.op === 'placeholder' ? 'tensor' : 'unknown');
  }

  // Which nodes get a TS statement of their own.
  const materialised = new Set<string>();
  for (const n of nodes) {
    if (n.op === 'placeholder' || n.op === 'output') continue;
    const users = n.users.map((u) => byName.get(u)!);
    if (users.length === 0) {
      materialised.add(n.name);
      continue;
    }
    if (users.length > 1) {
      materialised.add(n.name);
      continue;
    }
    const u = users[0]!;
    if (u.op === 'output') {
      const s = stmt.get(n.name)!;
      if (!(s.frame && /^return\b/.test(s.frame.code) && n.frames.length > 0 && effectiveFrames(n.frames).length === 1)) materialised.add(n.name);
      continue;
    }
    if (stmt.get(u.name)!.key !== stmt.get(n.name)!.key) materialised.add(n.name);
  }

  // Names: the Python targets of the statement, reused like Python reuses them, unless an older value is still live.
  const names = new Map<string, string>();
  const holders = new Map<string, string[]>(); // name -> node names bound to it, in order
  const params = nodes.filter((n) => n.op === 'placeholder');
  for (const p of params) {
    const nm = localName(p.target ?? p.name);
    names.set(p.name, nm);
    holders.set(nm, [p.name]);
  }
  const tsType = (k: ValueKind): string => (k === 'number' ? 'number' : k === 'shape' ? 'number[]' : k === 'tuple' ? 'tf.Tensor[]' : 'tf.Tensor');
  const free = (nm: string, at: number, self: string, kind: ValueKind): boolean => {
    for (const h of holders.get(nm) ?? []) {
      if (tsType(kinds.get(h) ?? 'unknown') !== tsType(kind)) return false;
      for (const u of byName.get(h)!.users) if (u !== self && (pos.get(u) ?? 0) > at) return false;
    }
    return true;
  };
  const bindName = (n: FxNode, wanted: string): void => {
    let nm = localName(wanted);
    const at = pos.get(n.name)!;
    const kind = kinds.get(n.name) ?? 'unknown';
    for (let i = 2; !free(nm, at, n.name, kind); i++) nm = `${localName(wanted)}${i}`;
    names.set(n.name, nm);
    holders.set(nm, [...(holders.get(nm) ?? []), n.name]);
  };
  const inStmt = (key: string): FxNode[] => nodes.filter((m) => m.op !== 'placeholder' && m.op !== 'output' && stmt.get(m.name)!.key === key);
  for (const n of nodes) {
    if (!materialised.has(n.name)) continue;
    const s = stmt.get(n.name)!;
    const targets = s.frame ? assignedNames(s.frame.code) : [];
    const members = inStmt(s.key);
    const tops = members.filter((m) => m.users.every((u) => stmt.get(u)?.key !== s.key) && materialised.has(m.name));
    const idx = tops.indexOf(n) - (tops.length - targets.length);
    if (targets.length > 0 && idx >= 0 && idx < targets.length) bindName(n, targets[idx]!);
    else bindName(n, camel(n.name));
  }

  // Expressions.
  const exprs = new Map<string, string>();
  const exprOf = (a: FxArg | undefined): string => {
    if (a === undefined) return 'undefined';
    if (isRef(a)) return materialised.has(a.node) || byName.get(a.node)?.op === 'placeholder' ? names.get(a.node)! : exprs.get(a.node) ?? a.node;
    if (Array.isArray(a)) return `[${a.map(exprOf).join(', ')}]`;
    if (typeof a === 'object' && a !== null) {
      if ('by_mode' in a) {
        const [train, evalValue] = a.by_mode;
        if (train === true && evalValue === false) return 'this.training';
        if (train === false && evalValue === true) return '!this.training';
        return `(this.training ? ${exprOf(train)} : ${exprOf(evalValue)})`;
      }
      if ('float' in a) return a.float === 'nan' ? 'NaN' : a.float === 'inf' ? 'Infinity' : '-Infinity';
      if ('repr' in a) return `unsupported(${literal(`a Python value ${a.repr}`)})`;
      return `unsupported(${literal(`a Python value ${JSON.stringify(a)}`)})`;
    }
    return literal(a);
  };
  const rankOf = (a: FxArg | undefined): number | null => (isRef(a) ? byName.get(a.node)?.value?.shape?.length ?? null : null);
  const liveAfter = (a: FxArg | undefined, at: number): boolean => isRef(a) && byName.get(a.node)!.users.some((u) => (pos.get(u) ?? 0) > at);

  const lines: string[] = [];
  const emitted = new Set<string>();
  let returnType = 'tf.Tensor';
  for (const n of nodes) {
    if (n.op === 'placeholder') continue;
    const s = stmt.get(n.name)!;
    const at = pos.get(n.name)!;
    if (n.op === 'output') {
      const out = n.args[0];
      let expr: string;
      if (Array.isArray(out)) {
        const tensors = (o: FxArg): boolean => (Array.isArray(o) ? o.every(tensors) : kindOf(o) === 'tensor' || kindOf(o) === 'tuple' || kindOf(o) === 'unknown');
        const bad = out.find((o) => !tensors(o));
        expr = bad !== undefined ? gap(null, 'forward returns a non-tensor value', 'twinml modules return tensors, arrays or objects of tensors', cls.return_frame) : `[${out.map(exprOf).join(', ')}]`;
        returnType = outputType(out, byName);
      } else if (typeof out === 'object' && out !== null && 'dict' in out) {
        expr = `{ ${Object.entries(out.dict).map(([k, v]) => `${localName(k) === k ? k : literal(k)}: ${exprOf(v)}`).join(', ')} }`;
        returnType = `{ ${Object.keys(out.dict).map((k) => `${localName(k) === k ? k : literal(k)}: tf.Tensor`).join('; ')} }`;
      } else {
        expr = exprOf(out);
        if (kindOf(out) !== 'tensor' && kindOf(out) !== 'unknown') expr = gap(null, 'forward returns a non-tensor value', 'twinml modules return tensors', cls.return_frame);
      }
      lines.push(`return ${expr};${comment(cls.return_frame)}`);
      continue;
    }
    const ctx: OpContext = { expr: exprOf, kind: kindOf, rank: rankOf, code: s.site?.code ?? '' };
    let result: OpResult;
    if (n.op === 'call_function') result = translateFunction(n, ctx);
    else if (n.op === 'call_method') result = translateMethod(n, ctx);
    else if (n.op === 'call_module') {
      const { expr, child } = childAccess(inst.children, n.target ?? '', lookup);
      if (!child) result = { refused: `call of ${n.target ?? '?'} (not a registered child)` };
      else if (child.kind === 'torch' && 'refused' in translateModule(child)) result = { refused: `${n.target} is an nn.${child.type}, which is not translated` };
      else if (child.kind === 'ModuleList' || child.kind === 'ModuleDict') result = { refused: `calling the ${child.kind} ${n.target} itself` };
      else {
        if (child.kind === 'torch' && isInplaceModule(child as TorchChild) && liveAfter(n.args[0], at)) {
          result = { refused: `nn.${(child as TorchChild).type}(inplace=True) ${n.target} overwrites a tensor that is used again later` };
        } else {
          const given = [...n.args];
          while (given.length > 0 && given[given.length - 1] === null) given.pop(); // `past=None` left to the child's default
          const args = given.map(exprOf);
          result = { expr: `${expr}.call(${args.join(', ')})`, kind: child.kind === 'user' && lookup.returnsTuple(child.instance) ? 'tuple' : 'tensor' };
        }
      }
    } else if (n.op === 'get_attr') {
      result = attribute(inst, n.target ?? '');
    } else result = { refused: `fx op ${n.op}` };
    if (!('refused' in result) && n.kwargs.dict.inplace === true && liveAfter(n.args[0], at)) {
      result = { refused: `${n.target}(inplace=True) overwrites a tensor that is used again later` };
    }
    const expr = 'refused' in result ? gap(n, 'refused' in result ? describeTarget(n) : '', result.refused) : result.expr;
    if (!('refused' in result) && result.kind && (kinds.get(n.name) ?? 'unknown') === 'unknown') kinds.set(n.name, result.kind);
    exprs.set(n.name, expr);
    if (!materialised.has(n.name)) continue;
    const guard = guards.get(n.name);
    if (guard && !('refused' in result)) {
      const where = guard.frame ? `${whereLabel(guard.frame.file, guard.frame.line)} \`${guard.frame.code}\`` : describeTarget(n);
      const message = `${cls.name}: ${where} was ${guard.value ? 'True' : 'False'} when twinml port traced the model; this input takes the other side, which was not translated`;
      lines.push(`if (${guard.value ? `!(${expr})` : expr}) throw new Error(${literal(message)});${comment(guard.frame ?? s.site)}`);
      continue;
    }
    if (n.users.length === 0) {
      if (!/^[\w.[\]!]+$/.test(expr)) lines.push(`${expr};${comment(s.site)}`);
      continue;
    }
    const nm = names.get(n.name)!;
    const hs = holders.get(nm)!;
    const isParam = params.some((p) => names.get(p.name) === nm);
    const decl = isParam || hs[0] !== n.name ? '' : hs.length > 1 ? 'let ' : 'const ';
    if (!emitted.has(nm) && decl === '' && !isParam && hs[0] !== n.name) {
      // cannot happen: the first holder declares
    }
    emitted.add(nm);
    lines.push(`${decl}${nm} = ${expr};${comment(s.site)}`);
  }

  // Tuple values read element by element: `const t = this.encode.call(x); const mu = t[0]!` reads better destructured.
  return { lines: destructure(lines), returnType, gaps };
}

function describeTarget(n: FxNode): string {
  if (n.op === 'call_method') return `.${n.target}()`;
  if (n.op === 'call_module') return `self.${n.target}(...)`;
  return n.target ?? n.op;
}

/** `const t = expr; const a = t[0]!; const b = t[1]!;` with t used nowhere else → `const [a, b] = expr;`. */
function destructure(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^const (\w+) = (.*);( \/\/.*)?$/.exec(lines[i]!);
    if (head) {
      const t = head[1]!;
      const picks: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const m = new RegExp(`^const (\\w+) = ${t}\\[(\\d+)\\]!;`).exec(lines[j]!);
        if (!m || Number(m[2]) !== picks.length) break;
        picks.push(m[1]!);
      }
      const usedLater = lines.slice(j).some((l) => new RegExp(`\\b${t}\\b`).test(l.replace(/\/\/.*$/, '')));
      if (picks.length > 0 && !usedLater) {
        out.push(`const [${picks.join(', ')}] = ${head[2]};${head[3] ?? ''}`);
        i = j - 1;
        continue;
      }
    }
    out.push(lines[i]!);
  }
  return out;
}

function attribute(inst: ClassInstance, target: string): OpResult {
  const own = inst.tensors.find((t) => t.name === target);
  if (own) return { expr: own.kind === 'parameter' ? `this.${target}.variable` : `this.${target}.value` };
  const parts = target.split('.');
  const last = parts.pop()!;
  if (last === 'weight' || last === 'bias') return { expr: `this.${parts.join('.')}.${last}!.variable` };
  return { refused: `attribute self.${target} read in forward` };
}

/** The forward's parameter list: `x: tf.Tensor, y: tf.Tensor`. */
export function forwardParams(inst: ClassInstance): string {
  const skipped = noneParams(inst.nodes!);
  return inst
    .nodes!.filter((n) => n.op === 'placeholder' && !skipped.has(n.name))
    .map((n) => `${localName(n.target ?? n.name)}: tf.Tensor`)
    .join(', ');
}
