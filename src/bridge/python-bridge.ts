/**
 * The Python bridge: one lazily started Python process (driven by pythonia) running
 * python/twinml_ref/bridge_server.py. Small arguments and results are JSON; tensors cross as safetensors files
 * (see tensor-files.ts). Every call has a timeout; when Python dies mid-call the call rejects at once with the
 * tail of Python's stderr; the process is killed when Node exits, on SIGINT/SIGTERM/SIGHUP, on a timeout and on
 * `close()`, and the Python side exits by itself when its Node parent disappears.
 *
 * ```ts
 * const py = await PythonBridge.start();
 * const { tensors } = await py.call('layer_step', { spec, dtypes: ['float64', 'float32'] }, inputs);
 * await py.close();
 * ```
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateDict } from '../util/host-tensor.js';
import { packageRoot } from '../util/paths.js';
import { findPython } from './find-python.js';
import { TensorExchange, outputOffset, toStateDict, type TensorMap } from './tensor-files.js';

/** A Python object proxied by pythonia: attribute calls return promises. */
type PyCallable = (...args: unknown[]) => Promise<unknown>;
interface BridgeServerProxy {
  setup: PyCallable;
  dispatch: PyCallable;
  echo_json: PyCallable;
}
interface PythoniaModule {
  python: ((name: string) => Promise<unknown>) & { exit(): void };
  com: { proc: ChildProcess | null };
}

/**
 * pythonia's JS-side bridge runs a timer that sends queued "free" messages to Python; it must stop when the
 * process it talks to is gone, or it writes to a closed channel.
 */
function stopPythoniaTimer(): void {
  (globalThis as { __pythonBridge?: { end(): void } }).__pythonBridge?.end();
}

export interface PythonBridgeOptions {
  /** Default per-call timeout in milliseconds (default 120000). */
  timeoutMs?: number;
  /** Timeout for starting Python and importing torch (default 120000). */
  startTimeoutMs?: number;
  /** torch.set_num_threads in the Python process (default 1: parity suites run next to each other). */
  threads?: number;
  /** The interpreter to run (default: findPython()'s choice). */
  python?: string;
}

export interface CallOptions {
  /** This call's timeout in milliseconds (default: the bridge's). */
  timeoutMs?: number;
  /**
   * Return output tensors as views into a receive buffer the next call reuses (no allocation; copy what you
   * keep). Default false: outputs own their memory.
   */
  borrowOutputs?: boolean;
}

export interface CallResult<R = unknown> {
  /** The function's JSON result. */
  result: R;
  /** The tensors it returned, by name. */
  tensors: StateDict;
  /** CLOCK_MONOTONIC nanoseconds on the Python side: input read started / finished, output write started / finished. */
  timing: { loadStartNs: number; loadedNs: number; saveStartNs: number; savedNs: number };
}

/** What the Python process reports when it starts (before torch is imported). */
export interface PythonInfo {
  python: string;
  executable: string;
  pid: number;
}

/** Versions of the reference stack (importing torch). */
export interface PythonVersions {
  python: string;
  torch: string;
  numpy: string;
  safetensors: string;
  threads: number;
}

interface DispatchReply {
  result?: unknown;
  tensors?: string[];
  outLength?: number;
  timing?: CallResult['timing'];
  error?: string;
  traceback?: string;
}

const STDERR_TAIL_BYTES = 4000;
let active: PythonBridge | null = null;
let starting: Promise<PythonBridge> | null = null;
let exitHandlersInstalled = false;
/** Transfer folders not yet removed (removed on exit even when a bridge died). */
const liveExchanges = new Set<TensorExchange>();
/** The interpreter findPython() chose (probing imports torch: done once per Node process). */
let discoveredPython: string | null = null;

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  const cleanUp = (): void => {
    active?.kill();
    for (const exchange of liveExchanges) exchange.dispose();
    liveExchanges.clear();
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanUp();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class PythonBridge {
  /** What the Python process reported at start (version, executable, pid). */
  readonly info: PythonInfo;
  private cachedVersions: PythonVersions | null = null;
  private readonly exchange: TensorExchange;
  private readonly stderrLog: string;
  private readonly proc: ChildProcess;
  private readonly died: Promise<never>;
  private exitInfo: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly pythonia: PythoniaModule,
    private readonly server: BridgeServerProxy,
    init: { info: PythonInfo; exchange: TensorExchange; stderrLog: string; proc: ChildProcess; died: Promise<never> },
    private readonly options: Required<PythonBridgeOptions>,
  ) {
    this.info = init.info;
    this.exchange = init.exchange;
    this.stderrLog = init.stderrLog;
    this.proc = init.proc;
    this.died = init.died;
    this.died.catch(() => undefined);
  }

  /**
   * Starts Python (or returns the running bridge: one Python process per Node process, i.e. per suite).
   * The interpreter comes from findPython(): the python setting (TWINML_PYTHON), else .venv, then python3/python on PATH.
   * @param options - timeouts and torch thread count
   */
  static async start(options: PythonBridgeOptions = {}): Promise<PythonBridge> {
    if (active?.alive) return active;
    starting ??= PythonBridge.launch({ timeoutMs: 120_000, startTimeoutMs: 120_000, threads: 1, python: '', ...options }).finally(() => {
      starting = null;
    });
    return starting;
  }

  private static async launch(options: Required<PythonBridgeOptions>): Promise<PythonBridge> {
    if (options.python) discoveredPython = options.python;
    let executable = discoveredPython;
    if (!executable) {
      const discovery = findPython();
      if (!discovery.chosen) throw new Error(`twinml bridge: ${discovery.advice}`);
      executable = discovery.chosen.executable ?? discovery.chosen.candidate;
      discoveredPython = executable;
    }
    const pythonRoot = join(packageRoot(), 'python');
    if (!existsSync(join(pythonRoot, 'twinml_ref', 'bridge_server.py'))) {
      throw new Error(`twinml bridge: ${join(pythonRoot, 'twinml_ref', 'bridge_server.py')} is missing`);
    }
    installExitHandlers();
    // pythonia spawns `PYTHON_BIN` when it is first imported (or restarted after a previous process died). It reads
    // the interpreter from this variable only (node_modules/pythonia/src/pythonia/IpcPipeCom.js), so this write
    // stays; it is documented in src/util/settings.ts.
    process.env.PYTHON_BIN = executable;
    // pythonia is CommonJS: Node's ESM import puts module.exports on `default`.
    const imported = (await import('pythonia')) as unknown as { default?: PythoniaModule } & PythoniaModule;
    const pythonia = imported.default ?? imported;
    const previous = pythonia.com.proc;
    if (previous && (previous.killed || previous.exitCode !== null || previous.signalCode !== null)) pythonia.com.proc = null;
    const exchange = new TensorExchange();
    liveExchanges.add(exchange);
    const stderrLog = exchange.path('python-stderr.txt');
    const startup = async (): Promise<PythonBridge> => {
      const sys = (await pythonia.python('sys')) as { path: { insert: PyCallable } };
      await sys.path.insert(0, pythonRoot);
      const proc = pythonia.com.proc;
      if (!proc) throw new Error('twinml bridge: pythonia did not start a Python process');
      proc.on('error', () => undefined); // a write to a dead process surfaces through 'exit', not as a crash
      const server = (await pythonia.python('twinml_ref.bridge_server')) as BridgeServerProxy;
      const info = JSON.parse(String(await server.setup(stderrLog, process.pid, options.threads))) as PythonInfo;
      let bridge: PythonBridge | null = null;
      const died = new Promise<never>((_, reject) => {
        const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
          stopPythoniaTimer();
          if (pythonia.com.proc === proc) pythonia.com.proc = null; // the next start() spawns a fresh process
          const info = `Python (pid ${proc.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
          if (bridge) bridge.exitInfo = info;
          if (active === bridge) active = null;
          // Keep the stderr log long enough for pending calls to quote it, then remove the transfer folder.
          setTimeout(() => {
            exchange.dispose();
            liveExchanges.delete(exchange);
          }, 2000).unref();
          reject(new Error(info));
        };
        if (proc.exitCode !== null || proc.signalCode !== null) onExit(proc.exitCode, proc.signalCode);
        else proc.once('exit', onExit);
      });
      bridge = new PythonBridge(pythonia, server, { info, exchange, stderrLog, proc, died }, options);
      active = bridge;
      return bridge;
    };
    try {
      return await withTimeout(startup(), options.startTimeoutMs, () => new Error(`twinml bridge: Python (${executable}) did not start within ${options.startTimeoutMs} ms`));
    } catch (e) {
      pythonia.com.proc?.kill('SIGKILL');
      exchange.dispose();
      liveExchanges.delete(exchange);
      throw new Error(`twinml bridge: cannot start ${executable}: ${(e as Error).message}`);
    }
  }

  /** True while the Python process runs. */
  get alive(): boolean {
    return this.exitInfo === null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The folder of this bridge's transfer file and Python's stderr log (removed when the bridge ends). */
  get transferDir(): string {
    return this.exchange.dir;
  }

  /** The Python process id. */
  get pid(): number {
    return this.info.pid;
  }

  /** Versions of Python, torch, numpy and safetensors in the bridge's process (imports torch on first use). */
  async versions(): Promise<PythonVersions> {
    this.cachedVersions ??= (await this.call<PythonVersions>('versions')).result;
    return this.cachedVersions;
  }

  /** The last bytes Python wrote to stderr. */
  stderrTail(): string {
    try {
      const text = readFileSync(this.stderrLog, 'utf8');
      return text.slice(-STDERR_TAIL_BYTES).trim();
    } catch {
      return '';
    }
  }

  /**
   * Calls a function of twinml_ref.reference.functions (see its REGISTRY). Calls run one at a time.
   * @param name - the function's name
   * @param args - JSON arguments (small values only; tensors go in `tensors`)
   * @param tensors - input tensors, crossing as a safetensors file
   * @param options - per-call timeout
   */
  call<R = unknown>(name: string, args: Record<string, unknown> = {}, tensors?: TensorMap, options: CallOptions = {}): Promise<CallResult<R>> {
    const run = this.queue.then(() => this.callNow<R>(name, args, tensors, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async callNow<R>(name: string, args: Record<string, unknown>, tensors: TensorMap | undefined, options: CallOptions): Promise<CallResult<R>> {
    if (!this.alive) throw new Error(`twinml bridge: cannot call ${name}: ${this.exitInfo ?? 'Python is not running'}`);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const inLength = this.exchange.write(toStateDict(tensors));
    const transfer = { arena: this.exchange.arenaPath, inLength, outOffset: outputOffset(inLength) };
    const pending = this.server.dispatch(name, JSON.stringify(args), JSON.stringify(transfer)) as Promise<string>;
    pending.catch(() => undefined);
    const reply = await withTimeout(
      Promise.race([pending, this.died]).catch((e: Error) => {
        throw new Error(`twinml bridge: Python died during ${name}: ${e.message}${this.tailMessage()}`);
      }),
      timeoutMs,
      () => {
        this.kill();
        return new Error(`twinml bridge: ${name} timed out after ${timeoutMs} ms; Python was stopped${this.tailMessage()}`);
      },
    );
    const parsed = JSON.parse(String(reply)) as DispatchReply;
    if (parsed.error !== undefined) {
      throw new Error(`twinml bridge: ${name} failed in Python: ${parsed.error}\n${parsed.traceback ?? ''}`.trim());
    }
    const out = parsed.outLength ? await this.exchange.read(transfer.outOffset, parsed.outLength, options.borrowOutputs ?? false) : new Map();
    return { result: parsed.result as R, tensors: out, timing: parsed.timing ?? { loadStartNs: 0, loadedNs: 0, saveStartNs: 0, savedNs: 0 } };
  }

  private tailMessage(): string {
    const tail = this.stderrTail();
    return tail ? `\n--- Python stderr (tail) ---\n${tail}` : '';
  }

  /**
   * pythonia's plain JSON path (numbers as a JSON list, both ways), for the bridge benchmark only.
   * @param values - the numbers to send
   */
  async echoJson(values: number[]): Promise<number[]> {
    const proxy = (await this.server.echo_json(values)) as { valueOf(): Promise<number[]> };
    return await proxy.valueOf();
  }

  /** Kills the Python process now (SIGKILL); pending calls reject. */
  kill(): void {
    stopPythoniaTimer();
    if (this.alive) this.proc.kill('SIGKILL');
    if (this.pythonia.com.proc === this.proc) this.pythonia.com.proc = null;
    if (active === this) active = null;
  }

  /** Stops Python (SIGKILL: it holds no state worth flushing) and removes the temp folder. */
  async close(): Promise<void> {
    if (active === this) active = null;
    stopPythoniaTimer();
    if (this.alive) {
      const exited = this.died.catch(() => undefined);
      this.proc.kill('SIGKILL');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    }
    if (this.pythonia.com.proc === this.proc) this.pythonia.com.proc = null;
    this.exchange.dispose();
    liveExchanges.delete(this.exchange);
  }
}
