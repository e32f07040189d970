/**
 * A ModelDescription → one TypeScript file: one class per user-defined nn.Module class (the root last, so every
 * class is declared before it is used), with the Python class and child names, the children built in the
 * constructor with PyTorch's arguments, and the forward translated statement by statement.
 */
import type { ChildDescription, ClassDescription, ClassInstance, ModelDescription, OwnTensor } from './description.js';
import { literal, translateModule } from './modules.js';
import { childAccess, forwardParams, translateForward, type ClassLookup } from './forward.js';
import { camel } from './names.js';
import { whereLabel, type PortGap } from './gaps.js';

/** The generated source and everything it could not translate. */
export interface GeneratedModule {
  /** The TypeScript file's text. */
  source: string;
  /** The constructs marked `// TODO twinml port: unsupported` in the source (each also throws there). */
  gaps: PortGap[];
  /** Things the file does differently from the Python source that do not change what it computes (printed as notes). */
  notes: string[];
  /** The TS class names, root last. */
  classes: string[];
}

/** Options of generateModule. */
export interface GenerateOptions {
  /** The module specifier twinml is imported from (default 'twinml'). */
  importFrom?: string;
  /** The constructor arguments the model was built with (recorded in the header). */
  args?: unknown;
}

interface Variant {
  cls: ClassDescription;
  tsName: string;
  instances: ClassInstance[];
  /** Constructor parameters (camelCase) and, per instance id, the values it passes. */
  params: string[];
  paramValues: Map<number, unknown[]>;
  /** Child constructor expressions (with parameters substituted). */
  childExprs: Array<[string, string, string]>; // [name, expr, type]
  forward: ReturnType<typeof translateForward> | null;
}

const NUMBER = /-?\d+(?:\.\d+)?(?:e-?\d+)?/g;

/** A child's constructor expression and TS type, or a refusal (reported as a gap). */
function childCode(child: ChildDescription, variantOf: (id: number) => Variant): { expr: string; type: string; refused?: string } {
  if (child.kind === 'torch') {
    const t = translateModule(child);
    return 'refused' in t ? { expr: '', type: 'nn.Module', refused: t.refused } : t;
  }
  if (child.kind === 'user') {
    const v = variantOf(child.instance);
    const values = v.paramValues.get(child.instance) ?? [];
    return { expr: `new ${v.tsName}(${values.map((x) => literal(x)).join(', ')})`, type: v.tsName };
  }
  const items = child.items.map(([k, c]) => [k, childCode(c, variantOf)] as const);
  const bad = items.find(([, c]) => c.refused);
  const refused = bad ? `${child.kind} entry ${bad[0]}: ${bad[1].refused!}` : undefined;
  if (child.kind === 'ModuleDict') {
    return { expr: `new nn.ModuleDict({ ${items.map(([k, c]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : literal(k)}: ${c.expr}`).join(', ')} })`, type: 'nn.ModuleDict', refused };
  }
  if (child.kind === 'ModuleList') return { expr: `new nn.ModuleList([${items.map(([, c]) => c.expr).join(', ')}])`, type: 'nn.ModuleList', refused };
  return { expr: `new nn.Sequential(${items.map(([, c]) => c.expr).join(', ')})`, type: 'nn.Sequential', refused };
}

function tensorInit(t: OwnTensor): string {
  const shape = `[${t.shape.join(', ')}]`;
  const dtype = t.dtype === 'int64' || t.dtype === 'int32' ? ", 'int32'" : '';
  const value = t.constant === null ? 0 : t.constant;
  const fill = value === 0 ? `tf.zeros(${shape}${dtype})` : value === 1 ? `tf.ones(${shape}${dtype})` : `tf.fill(${shape}, ${literal(value)}${dtype})`;
  if (t.kind === 'parameter') return `new nn.Parameter(${fill})`;
  const opts: string[] = [];
  if (t.dtype === 'int64') opts.push("torchDtype: 'int64'");
  if (t.persistent === false) opts.push('persistent: false');
  return `new nn.ModuleBuffer(${fill}${opts.length ? `, { ${opts.join(', ')} }` : ''})`;
}

/**
 * Writes the TypeScript mirror of a described model.
 * @param model - the description from python/twinml_ref/port
 * @param options - import specifier and the recorded constructor arguments
 */
export function generateModule(model: ModelDescription, options: GenerateOptions = {}): GeneratedModule {
  const gaps: PortGap[] = [];
  const notes: string[] = [];
  const variants: Variant[] = [];
  const byInstance = new Map<number, Variant>();
  const variantOf = (id: number): Variant => byInstance.get(id)!;
  const lookup: ClassLookup = {
    classOf: (id) => variantOf(id).tsName,
    returnsTuple: (id) => variantOf(id).forward?.returnType.startsWith('[') ?? false,
  };

  // Classes are described root first; children must be generated (and their signatures known) before parents.
  for (const cls of [...model.classes].reverse()) {
    for (const p of cls.problems) gaps.push({ what: p.kind ?? 'in-place update', reason: p.what, file: p.file, line: p.line, code: p.code, className: cls.name });
    const groups: Array<{ key: string; instances: ClassInstance[]; forward: Variant['forward']; exprs: Array<Array<[string, string, string]>> }> = [];
    for (const inst of cls.instances) {
      const exprs: Array<[string, string, string]> = inst.children.map(([k, c]) => {
        const code = childCode(c, variantOf);
        return [k, code.refused ? '' : code.expr, code.type];
      });
      const forward = inst.nodes ? translateForward(cls, inst, lookup) : null;
      const shape = JSON.stringify([exprs.map(([k, e, t]) => [k, e.replace(NUMBER, '#'), t]), inst.tensors.map((t) => [t.name, t.kind]), forward?.lines, inst.trace_error?.message]);
      const g = groups.find((x) => x.key === shape);
      if (g) {
        g.instances.push(inst);
        g.exprs.push(exprs);
      } else groups.push({ key: shape, instances: [inst], forward, exprs: [exprs] });
    }
    if (groups.length > 1) {
      notes.push(`${cls.name}: its ${cls.instances.length} instances differ in structure (children or forward), so it became ${groups.length} classes (${groups.map((_, i) => (i === 0 ? cls.name : `${cls.name}${i + 1}`)).join(', ')})`);
    }
    groups.forEach((g, gi) => {
      const tsName = gi === 0 ? cls.name : `${cls.name}${gi + 1}`;
      const first = g.instances[0]!;
      const params: string[] = [];
      const paramValues = new Map<number, unknown[]>(g.instances.map((i) => [i.id, []]));
      const childExprs = g.exprs[0]!.map(([name, expr, type], ci): [string, string, string] => {
        const all = g.exprs.map((e) => e[ci]![1]);
        if (all.every((e) => e === expr)) return [name, expr, type];
        const numbers = all.map((e) => e.match(NUMBER) ?? []);
        let k = 0;
        const out = expr.replace(NUMBER, (tok) => {
          const column = numbers.map((ns) => Number(ns[k]));
          k++;
          if (column.every((v) => v === column[0])) return tok;
          const named = cls.init_params.find((p) => g.instances.every((inst, ii) => inst.init_args[p] === column[ii]));
          const pname = named ? camel(named) : `${camel(name)}Arg${k}`;
          if (!params.includes(pname)) {
            params.push(pname);
            g.instances.forEach((inst, ii) => paramValues.get(inst.id)!.push(column[ii]));
          }
          return pname;
        });
        return [name, out, type];
      });
      const v: Variant = { cls, tsName, instances: g.instances, params, paramValues, childExprs, forward: g.forward };
      variants.push(v);
      for (const inst of g.instances) byInstance.set(inst.id, v);
      if (first.trace_error) {
        const f = first.trace_error.frames[first.trace_error.frames.length - 1];
        const dataDependent = /control flow|symbolically traced variables/i.test(first.trace_error.message);
        gaps.push({
          what: dataDependent ? 'data-dependent control flow' : 'forward could not be traced',
          reason: first.trace_error.message,
          file: f?.file ?? cls.file,
          line: f?.line ?? cls.line,
          code: f?.code ?? '',
          className: cls.name,
        });
      }
      if (g.forward) gaps.push(...g.forward.gaps);
      first.children.forEach(([name, c]) => {
        const code = childCode(c, variantOf);
        if (code.refused) gaps.push({ what: `self.${name}`, reason: code.refused, file: cls.file, line: cls.child_lines[name] ?? cls.line, code: '', className: cls.name });
      });
      for (const t of first.tensors) {
        if (t.constant === null) notes.push(`${tsName}.${t.name}: PyTorch initialised this ${t.kind} randomly; the port starts it at zeros (load weights, or initialise it with twinml's init)`);
      }
    });
  }

  gaps.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  const classText = variants.map((v) => classSource(v, model, gaps, v.instances[0]!.path === '' ? tyingLines(model, v.instances[0]!, lookup) : []));
  const hasGaps = gaps.length > 0;
  const rootFile = model.file.split(/[\\/]/).pop();
  const header = [
    `// Mirrors ${rootFile}: ${model.root}. Written by \`twinml port\` from PyTorch ${model.torch}${options.args !== undefined && options.args !== null ? ` for ${model.root}(${JSON.stringify(options.args)})` : ''};`,
    '// each statement cites the Python line it translates. Constructor arguments are the values the PyTorch model was',
    '// built with: port again for other arguments. Check it with `twinml parity` (the port command already did).',
    `import { nn, F, tf, flatten, cat, split, stack, randn_like, rand_like } from '${options.importFrom ?? 'twinml'}';`,
  ];
  const helper = [
    '',
    '/** Stands where `twinml port` could not translate the Python source (see the TODO above the call): it throws, so the gap cannot run silently. */',
    'function unsupported(what: string): never {',
    '  throw new Error(`twinml port: not translated: ${what}`);',
    '}',
  ];
  let source = [...header, ...(hasGaps ? helper : []), ...classText.map((c) => `\n${c}`)].join('\n') + '\n';
  source = pruneImports(source);
  return { source, gaps, notes, classes: variants.map((v) => v.tsName) };
}

function pruneImports(source: string): string {
  const body = source.slice(source.indexOf('\n', source.indexOf("from '")) + 1);
  return source.replace(/import \{ ([^}]*) \} from/, (_, names: string) => {
    const used = names.split(',').map((s) => s.trim()).filter((n) => new RegExp(`\\b${n}\\b`).test(body.replace(/\/\/.*$/gm, '').replace(/\/\*\*.*\*\//g, '')));
    return `import { ${used.join(', ')} } from`;
  });
}

/**
 * Weight tying (`self.transformer.wte.weight = self.lm_head.weight`): PyTorch holds one Parameter under both
 * state_dict keys; the root's constructor makes the later name share the first one's Parameter.
 */
function tyingLines(model: ModelDescription, root: ClassInstance, lookup: ClassLookup): string[] {
  const lines: string[] = [];
  const rootClass = model.classes.find((c) => c.name === model.root);
  for (const [i, [alias, owner]] of (model.tied ?? []).entries()) {
    const line = model.tied_lines?.[i] ?? rootClass?.line ?? null;
    const cite = rootClass ? ` // ${whereLabel(rootClass.file, line)}` : '';
    const split = (p: string): [string, string] => [p.slice(0, Math.max(0, p.lastIndexOf('.'))), p.slice(p.lastIndexOf('.') + 1)];
    const [aliasPath, aliasAttr] = split(alias);
    const [ownerPath, ownerAttr] = split(owner);
    const a = aliasPath ? childAccess(root.children, aliasPath, lookup).expr : 'this';
    const o = ownerPath ? childAccess(root.children, ownerPath, lookup).expr : 'this';
    lines.push(`    // weight tying: ${alias} is ${owner} (one Parameter under both state_dict keys, as in PyTorch)`);
    lines.push(`    ${a}.${aliasAttr}!.dispose();${cite}`);
    lines.push(`    ${a}.${aliasAttr} = ${o}.${ownerAttr}!;${cite}`);
  }
  return lines;
}

function classSource(v: Variant, model: ModelDescription, gaps: PortGap[], tying: string[]): string {
  const { cls } = v;
  const first = v.instances[0]!;
  const ret = v.forward?.returnType ?? 'tf.Tensor';
  const base = ret === 'tf.Tensor' ? 'nn.Module' : `nn.Module<${ret}>`;
  const where = whereLabel(cls.file, cls.line);
  const lines: string[] = [];
  const paths = v.instances.map((i) => (i.path === '' ? '(the model)' : i.path)).join(', ');
  lines.push(`/** Mirrors ${where} \`${cls.name}\`${v.instances.length > 1 || first.path !== '' ? ` (${paths})` : ''}. */`);
  lines.push(`export class ${v.tsName} extends ${base} {`);
  for (const t of first.tensors) lines.push(`  ${t.name}: ${t.kind === 'parameter' ? 'nn.Parameter' : 'nn.ModuleBuffer'};`);
  for (const [name, , type] of v.childExprs) lines.push(`  ${name}: ${type};`);
  if (first.tensors.length || v.childExprs.length) lines.push('');
  lines.push(`  constructor(${v.params.map((p) => `${p}: number`).join(', ')}) {`);
  lines.push('    super();');
  for (const t of first.tensors) {
    const cite = ` // ${whereLabel(cls.file, cls.child_lines[t.name] ?? cls.line)}`;
    lines.push(`    this.${t.name} = ${tensorInit(t)};${cite}${t.constant === null ? ' (PyTorch initialised it randomly: see the port notes)' : ''}`);
  }
  for (const [name, expr] of v.childExprs) {
    const line = cls.child_lines[name];
    const cite = ` // ${whereLabel(cls.file, line ?? cls.line)}`;
    if (expr === '') {
      const g = gaps.find((x) => x.className === cls.name && x.what === `self.${name}`);
      lines.push(`    // TODO twinml port: unsupported ${g ? g.reason : `self.${name}`}`);
      lines.push(`    this.${name} = unsupported(${literal(`self.${name} (${whereLabel(cls.file, line ?? cls.line)})`)});${cite}`);
    } else if (expr.length > 100 && /^new nn\.(Sequential|ModuleList|ModuleDict)\(/.test(expr)) lines.push(...wrapContainer(`    this.${name} = `, expr, cite));
    else lines.push(`    this.${name} = ${expr};${cite}`);
  }
  lines.push(...tying);
  lines.push('  }');
  lines.push('');
  if (first.trace_error || !v.forward) {
    const g = gaps.find((x) => x.className === cls.name && (x.what === 'data-dependent control flow' || x.what === 'forward could not be traced'));
    lines.push(`  forward(...inputs: tf.Tensor[]): tf.Tensor {`);
    lines.push(`    // TODO twinml port: unsupported ${g ? `${g.what} at ${whereLabel(g.file, g.line)}: ${g.reason}` : 'forward'}`);
    lines.push(`    return unsupported(${literal(`${cls.name}.forward: ${g ? `${g.what} (${whereLabel(g.file, g.line)})` : 'not traced'}`)} + \` (\${inputs.length} inputs)\`);`);
  } else {
    lines.push(`  forward(${forwardParams(first)}): ${ret} {`);
    const fgaps = v.forward.gaps;
    const inplace = gaps.filter((g) => g.className === cls.name && (g.what === 'in-place update' || g.what === 'training branch'));
    const marked = new Set<PortGap>();
    const citedLine = (l: string, file: string | null): number | null => {
      const m = new RegExp(`// ${whereLabel(file, null).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(l);
      return m ? Number(m[1]) : null;
    };
    for (const l of v.forward.lines) {
      // A source problem is marked before the first statement at or after its line (a branch has no statement of its own).
      const trick = inplace.find((g) => !marked.has(g) && (citedLine(l, g.file) ?? -1) >= (g.line ?? 0));
      if (trick) {
        marked.add(trick);
        lines.push(`    // TODO twinml port: unsupported ${trick.reason}`);
        lines.push(`    unsupported(${literal(`${trick.what} (${whereLabel(trick.file, trick.line)})`)});`);
      }
      const m = /unsupported\('([^']*)'\)/.exec(l);
      if (m) {
        const g = fgaps.find((x) => m[1]!.startsWith(x.what));
        lines.push(`    // TODO twinml port: unsupported ${g ? `${g.what}: ${g.reason}` : m[1]}`);
      }
      lines.push(`    ${l}`);
    }
  }
  lines.push('  }');
  lines.push('}');
  void model;
  return lines.join('\n');
}

/** Splits a long container expression into one entry per line (top-level commas only). */
function wrapContainer(prefix: string, expr: string, cite: string): string[] {
  const open = expr.indexOf('(') + 1;
  const inner = expr.slice(open, -1);
  const bracket = inner.startsWith('[') ? '[' : inner.startsWith('{') ? '{' : '';
  const body = bracket ? inner.slice(1, -1).trim() : inner;
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      items.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(body.slice(start).trim());
  const close = bracket === '[' ? ']' : bracket === '{' ? '}' : '';
  return [`${prefix}${expr.slice(0, open)}${bracket}${cite}`, ...items.map((it) => `      ${it},`), `    ${close})${';'}`];
}
