/** Python names → TypeScript names, and the assignment targets of a Python statement. */

const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends',
  'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw',
  'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'let', 'static', 'yield', 'await', 'implements', 'interface', 'package',
  'private', 'protected', 'public', 'arguments', 'eval', 'undefined', 'NaN', 'Infinity',
  // the generated file's imports
  'tf', 'nn', 'F', 'flatten', 'cat', 'split', 'stack', 'randn_like', 'rand_like', 'unsupported',
]);

/** snake_case → camelCase (`num_classes` → `numClasses`); leading underscores are kept. */
export function camel(name: string): string {
  const lead = /^_*/.exec(name)![0];
  return lead + name.slice(lead.length).replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A Python local name as a TS identifier that collides with no keyword or import. */
export function localName(name: string): string {
  const n = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return RESERVED.has(n) ? `${n}_` : n;
}

/** The names a Python statement assigns: `x = ...` → ['x'], `mu, logvar = ...` → ['mu', 'logvar'], `out += y` → ['out']. */
export function assignedNames(code: string): string[] {
  const single = /^([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)/.exec(code);
  if (single) return [single[1]!];
  const tuple = /^\(?\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)+)\s*,?\s*\)?\s*=(?!=)/.exec(code);
  if (tuple) return tuple[1]!.split(',').map((s) => s.trim());
  const aug = /^([A-Za-z_]\w*)\s*(?:\+|-|\*|\/|@|\*\*|\/\/)=/.exec(code);
  if (aug) return [aug[1]!];
  return [];
}
