/**
 * `twinml serve [--models models/] [--port 8080] [--grpc-port 8001] [--model-control-mode none|poll|explicit]`: the KServe v2 / Triton
 * server over a model repository (`<name>/<version>/model.onnx`). With no `--models` it serves the package's
 * shipped `models/`. SIGTERM/SIGINT finish in-flight requests, refuse new ones, then exit.
 */
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

export interface ServeArgs {
  models?: string;
  host: string;
  port: number;
  token?: string;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  workers: number;
  intraOpThreads?: number;
  bodyLimitMb: number;
  grpcPort?: number;
  modelControlMode: 'none' | 'poll' | 'explicit';
  repositoryPollSecs: number;
  loadModel?: string[];
  exitOnError: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Starts the server and resolves when it has shut down after a signal.
 * @param args - Parsed options.
 * @param print - Where status lines go.
 */
export async function runServe(args: ServeArgs, print: (line: string) => void = console.log): Promise<void> {
  const { startServer } = await import('../../inference/index.js');
  const { tuneHeapForServing } = await import('../../inference/server/v8-heap.js');
  tuneHeapForServing(); // flat resident memory under load (see v8-heap.ts)
  const { packageRoot } = await import('../../util/paths.js');
  const models = args.models ?? join(packageRoot(), 'models');
  if (!LOOPBACK.has(args.host) && !args.token) {
    print(`twinml serve: warning: listening on ${args.host} without --token; anyone who can reach this address can use it`);
  }
  const server = await startServer({
    models,
    host: args.host,
    port: args.port,
    token: args.token,
    bodyLimitBytes: Math.round(args.bodyLimitMb * 1024 * 1024),
    batching: { maxBatchSize: args.maxBatchSize, maxQueueDelayMs: args.maxQueueDelayMs },
    session: { workers: args.workers, intraOpThreads: args.intraOpThreads },
    grpcPort: args.grpcPort,
    modelControlMode: args.modelControlMode,
    repositoryPollSeconds: args.repositoryPollSecs,
    loadModels: args.loadModel,
    exitOnError: args.exitOnError,
  });
  const served = server.repository.all().map((m) => `${m.name}/${m.version}`);
  print(`twinml serve: ${served.length} model version(s) from ${models}: ${served.join(', ') || '(none)'}`);
  for (const row of server.repository.index().filter((r) => r.state !== 'READY')) {
    print(`twinml serve: UNAVAILABLE ${row.name}${row.version ? `/${row.version}` : ''}: ${row.reason}`);
  }
  print(`twinml serve: listening on ${server.url} (GET /v2, POST /v2/models/{name}/infer, GET /metrics)`);
  const generators = server.repository.all().filter((m) => m.languageModel !== null);
  if (generators.length > 0) {
    print(`twinml serve: text generation (POST /v2/models/{name}/generate, /generate_stream) for ${generators.map((m) => `${m.name}/${m.version}`).join(', ')}`);
  }
  if (server.grpcPort !== undefined) print(`twinml serve: gRPC (inference.GRPCInferenceService) on ${args.host}:${server.grpcPort}`);
  const mode = args.modelControlMode ?? 'none';
  if (mode !== 'none') print(`twinml serve: model control mode ${mode}${mode === 'poll' ? `, every ${args.repositoryPollSecs ?? 15} s` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      print(`twinml serve: ${signal}: finishing in-flight requests, refusing new ones`);
      server.close().then(
        () => {
          print('twinml serve: stopped');
          resolve();
        },
        (e: unknown) => {
          print(`twinml serve: error while stopping: ${(e as Error).message}`);
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Serve ONNX models over the KServe v2 / Triton protocol (HTTP and gRPC) with dynamic batching, model control, config, statistics and /metrics',
  builder: (yargs: Argv<object>) =>
    yargs
      .option('models', { type: 'string', describe: 'Model repository: <name>/<version>/model.onnx (default: the shipped models/)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to bind (loopback by default)' })
      .option('port', { type: 'number', default: 8080, describe: 'Port (0 = any free port)' })
      .option('token', { type: 'string', describe: 'Require Authorization: Bearer <token> (health endpoints excepted)' })
      .option('max-batch-size', { type: 'number', default: 64, describe: 'Dynamic batching: most rows per run (1 = off); a model\'s config max_batch_size overrides it' })
      .option('max-queue-delay-ms', { type: 'number', default: 2, describe: 'Dynamic batching: longest wait for a batch to fill; overridden by dynamic_batching.max_queue_delay_microseconds' })
      .option('workers', { type: 'number', default: 1, describe: 'Worker threads (sessions) per model version; overridden by instance_group count' })
      .option('intra-op-threads', { type: 'number', describe: 'onnxruntime threads per session (default: cores / workers); overridden by parameters.intra_op_thread_count' })
      .option('body-limit-mb', { type: 'number', default: 16, describe: 'Largest request body (and gRPC message) in MiB' })
      .option('grpc-port', { type: 'number', describe: 'Also serve the KServe v2 / Triton gRPC API (inference.GRPCInferenceService) on this port (Triton uses 8001; 0 = any free port; default: no gRPC)' })
      .option('model-control-mode', {
        choices: ['none', 'poll', 'explicit'] as const,
        default: 'none' as const,
        describe: 'none: load every model once; poll: re-read the repository every --repository-poll-secs; explicit: load/unload through POST /v2/repository/models/{name}/load|unload',
      })
      .option('repository-poll-secs', { type: 'number', default: 15, describe: 'Poll interval in seconds (--model-control-mode poll)' })
      .option('load-model', { type: 'string', array: true, describe: 'Model to load at start in explicit mode (repeatable; * = all)' })
      .option('exit-on-error', { type: 'boolean', default: true, describe: 'Stop start-up when a model fails to load; --exit-on-error=false serves the others and lists the failed one UNAVAILABLE in the repository index' })
      .epilogue(
        'Repository: <models>/<name>/<version>/model.onnx, optional <models>/<name>/config.json|config.yaml (Triton field names: max_batch_size, dynamic_batching, instance_group, parameters.intra_op_thread_count, version_policy, twinml.refuse_non_finite_inputs). HTTP: /v2, /v2/health/*, /v2/models/{name}[/versions/{v}][/ready|/infer|/config|/stats], /v2/models/stats, POST /v2/repository/index, /metrics. See docs/inference-server.md.',
      )
      .check((parsed) => {
        const argv = parsed as unknown as ServeArgs;
        if (!Number.isInteger(argv.port) || argv.port < 0 || argv.port > 65535) throw new Error(`--port must be 0-65535, got ${argv.port}`);
        if (!Number.isInteger(argv.maxBatchSize) || argv.maxBatchSize < 1) throw new Error(`--max-batch-size must be an integer >= 1, got ${argv.maxBatchSize}`);
        if (!(argv.maxQueueDelayMs >= 0)) throw new Error(`--max-queue-delay-ms must be >= 0, got ${argv.maxQueueDelayMs}`);
        if (!Number.isInteger(argv.workers) || argv.workers < 1) throw new Error(`--workers must be an integer >= 1, got ${argv.workers}`);
        if (argv.grpcPort !== undefined && (!Number.isInteger(argv.grpcPort) || argv.grpcPort < 0 || argv.grpcPort > 65535)) throw new Error(`--grpc-port must be 0-65535, got ${argv.grpcPort}`);
        if (!(argv.repositoryPollSecs > 0)) throw new Error(`--repository-poll-secs must be > 0, got ${argv.repositoryPollSecs}`);
        if (!(argv.bodyLimitMb > 0)) throw new Error(`--body-limit-mb must be > 0, got ${argv.bodyLimitMb}`);
        return true;
      }) as unknown as Argv<ServeArgs>,
  handler: async (argv: ArgumentsCamelCase<ServeArgs>) => {
    await runServe(argv);
  },
};

export default serveCommand;
