/** Runs `twinml serve` (the built command) in a child process, so load generation does not share its event loop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../dist/util/paths.js';

export interface ServerProcessOptions {
  models: string;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  workers?: number;
  intraOpThreads?: number;
  /** Node/V8 flags for the server process, e.g. ['--min-semi-space-size=16']. */
  nodeFlags?: string[];
  /** Also serve gRPC (0 = a free port; ServerProcess.grpcPort tells which). */
  grpcPort?: number;
  /** Extra environment for the server process (added to this process's environment), e.g. glibc malloc tuning. */
  env?: Record<string, string>;
}

export interface ServerProcess {
  url: string;
  /** The gRPC port when ServerProcessOptions.grpcPort was set. */
  grpcPort?: number;
  child: ChildProcess;
  /** Resident memory of the server process in bytes (from its /metrics). */
  rss(): Promise<number>;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the server child and waits for its "listening on" line.
 * @param options - Repository and batching settings.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const serve = join(packageRoot(), 'dist', 'cli', 'commands', 'serve.js');
  const args = {
    models: options.models,
    host: '127.0.0.1',
    port: 0,
    maxBatchSize: options.maxBatchSize,
    maxQueueDelayMs: options.maxQueueDelayMs,
    workers: options.workers ?? 1,
    intraOpThreads: options.intraOpThreads,
    bodyLimitMb: 16,
    grpcPort: options.grpcPort,
  };
  const script = `const { runServe } = await import(${JSON.stringify(serve)}); await runServe(${JSON.stringify(args)});`;
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m && (options.grpcPort === undefined || /gRPC .* on \S+:\d+/.test(output))) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`server process exited (${code}) before listening:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const grpcPort = /gRPC .* on \S+:(\d+)/.exec(output)?.[1];
  return {
    url,
    grpcPort: grpcPort === undefined ? undefined : Number(grpcPort),
    child,
    async rss() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /^twinml_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
      if (!m) throw new Error('server /metrics has no twinml_process_resident_memory_bytes');
      return Number(m[1]);
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
