/**
 * Native libraries (TensorFlow through tfjs-node) write their own log lines straight to file descriptor 2 while
 * they load, which no JavaScript setting can stop: absl's "WARNING: All log messages before absl::InitializeLog()
 * is called are written to STDERR" and oneDNN's "I0000 ... port.cc:153] oneDNN custom operations are on".
 * The command line therefore runs in a child process whose stderr passes through this filter, which drops
 * absl-format INFO and WARNING lines (and keeps ERROR/FATAL ones). `--verbose` shows everything.
 */
import type { Readable, Writable } from 'node:stream';

/** absl's preamble, printed once before its first message. */
const ABSL_PREAMBLE = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
/** absl / glog line prefix at INFO or WARNING level: `I0000 00:00:1796454932.247392   16129 port.cc:153] `. */
const ABSL_INFO_OR_WARNING = /^[IW]\d{4} \d{2}:\d{2}:\d+\.\d+\s+\d+ [^\s:\]]+:\d+\] /;
/** The second line of TensorFlow's CPU-feature notice. */
const CPU_FEATURE_CONTINUATION = /^To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.$/;

/**
 * Whether a stderr line is third-party native logging twinml hides unless `--verbose`.
 * @param line - One line without its newline.
 */
export function isNativeLogLine(line: string): boolean {
  return line === ABSL_PREAMBLE || ABSL_INFO_OR_WARNING.test(line) || CPU_FEATURE_CONTINUATION.test(line);
}

/**
 * Copies `from` to `to` line by line, dropping native log lines. A partial line is written after `flushMs` without
 * a newline (prompts and progress), so nothing waits on the filter.
 * @param from - The child's stderr.
 * @param to - Where the kept lines go (the parent's stderr).
 * @param flushMs - How long a partial line may wait for its newline.
 */
export function pipeWithoutNativeLogs(from: Readable, to: Writable, flushMs = 50): void {
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flushPartial = () => {
    timer = undefined;
    if (pending && !isNativeLogLine(pending)) to.write(pending);
    pending = '';
  };
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    if (timer) clearTimeout(timer);
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    const kept = lines.filter((line) => !isNativeLogLine(line));
    if (kept.length) to.write(kept.join('\n') + '\n');
    if (pending) timer = setTimeout(flushPartial, flushMs);
  });
  from.on('end', () => {
    if (timer) clearTimeout(timer);
    flushPartial();
  });
}
