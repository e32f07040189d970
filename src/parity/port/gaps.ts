/** What `twinml port` could not translate: each gap names the construct and the Python line it came from. */

/** One construct twinml cannot express (yet), with where it is in the Python source. */
export interface PortGap {
  /** The construct, e.g. `torch.einsum`, `nn.LSTM`, `data-dependent control flow`. */
  what: string;
  /** Why it is not translated (one sentence). */
  reason: string;
  /** The Python file (absolute path). */
  file: string | null;
  /** The 1-based Python line, or null when unknown. */
  line: number | null;
  /** The Python source line's text. */
  code: string;
  /** The user class whose forward or constructor holds it. */
  className: string;
}

/** A `file:line` label with the file's base name (`net.py:23`). */
export function whereLabel(file: string | null, line: number | null): string {
  const base = file ? file.split(/[\\/]/).pop()! : '?';
  return line === null ? base : `${base}:${line}`;
}

/** A gap as one readable line: `net.py:23 Net.forward: torch.einsum (no twinml equivalent): y = torch.einsum(...)`. */
export function formatGap(gap: PortGap): string {
  return `${whereLabel(gap.file, gap.line)} ${gap.className}: ${gap.what}: ${gap.reason}${gap.code ? `  |  ${gap.code}` : ''}`;
}
