/** The few ANSI escape codes the dashboard uses (colours); cursor and screen handling is log-update's. */
export type Color = 'cyan' | 'yellow' | 'green' | 'magenta' | 'red' | 'gray' | 'bold';

const CODES: Record<Color, [number, number]> = {
  cyan: [36, 39],
  yellow: [33, 39],
  green: [32, 39],
  magenta: [35, 39],
  red: [31, 39],
  gray: [90, 39],
  bold: [1, 22],
};

/** Wraps `text` in the colour's escape codes. */
export function colorize(text: string, color: Color): string {
  const [on, off] = CODES[color];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/** Matches every ANSI escape sequence (CSI and OSC), for tests and width measurement. */
// eslint-disable-next-line no-control-regex
export const ANSI_PATTERN = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}
