/**
 * gRPC load from h2load (nghttp2's HTTP/2 load generator, in C; Debian package `nghttp2-client`): one HTTP/2
 * connection with `concurrency` streams in flight, each a unary call carrying the same length-prefixed gRPC
 * message. It costs ~0.005 ms of CPU per call here, against ~0.1 ms for ghz (Go), whose client then took as much of
 * the two shared cores as the server it measured and capped the measurable ratio (see docs/inference-server.md).
 *
 * h2load knows HTTP, not gRPC: a gRPC error is an HTTP 200 whose trailers say so, with no message. So each window
 * is checked by its bytes: every answer h2load counts as succeeded must have carried the full response message a
 * probe call (through @grpc/grpc-js, which checks grpc-status) received from the same server for the same request.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { quantile } from './http-load.js';

const MODEL_INFER = '/inference.GRPCInferenceService/ModelInfer';

/** Whether h2load is on the PATH. */
export function h2loadAvailable(): boolean {
  return spawnSync('h2load', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** A gRPC message with its 5-byte prefix (uncompressed flag, big-endian length), as it goes on the wire. */
export function grpcFrame(message: Buffer): Buffer {
  const framed = Buffer.alloc(5 + message.length);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

/**
 * One ModelInfer call through @grpc/grpc-js; resolves to the response message's length in bytes.
 * @param client - A client on the server.
 * @param request - The encoded ModelInferRequest.
 */
export function probeResponseBytes(client: grpc.Client, request: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(MODEL_INFER, (b: Buffer) => b, (b: Buffer) => b, request, new grpc.Metadata(), {}, (error, response) =>
      error || !response ? reject(new Error(`gRPC ModelInfer probe failed: ${error?.code} ${error?.details}`)) : resolve(response.length),
    );
  });
}

/**
 * One h2load run against a gRPC server.
 * @param target - host:port.
 * @param framedRequest - The length-prefixed ModelInferRequest.
 * @param responseBytes - The response message length a successful call returns (probeResponseBytes).
 * @param concurrency - Calls in flight on the one connection.
 * @param seconds - Duration.
 * @returns Requests per second and the p99 latency in ms; throws when a call failed.
 */
export function h2loadWindow(target: string, framedRequest: Buffer, responseBytes: number, concurrency: number, seconds: number): Promise<{ rps: number; p99Ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'twinml-h2load-'));
  const requestFile = join(dir, 'request.bin');
  const logFile = join(dir, 'requests.tsv');
  writeFileSync(requestFile, framedRequest);
  const args = ['-c', '1', '-m', String(concurrency), '-t', '1', '-D', String(seconds), '--warm-up-time', '0', '-d', requestFile];
  args.push('-H', 'content-type: application/grpc', '-H', 'te: trailers', '--log-file', logFile, `http://${target}${MODEL_INFER}`);
  return new Promise<{ rps: number; p99Ms: number }>((resolve, reject) => {
    execFile('h2load', args, { maxBuffer: 1 << 24, timeout: (seconds + 60) * 1000 }, (error, stdout, stderr) => {
      try {
        if (error) throw new Error(`h2load failed: ${error.message}\n${stderr}`);
        const finished = /finished in ([\d.]+)(m?s)/.exec(stdout);
        const counts = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(stdout);
        const data = /\((\d+)\) data/.exec(stdout);
        if (!finished || !counts || !data) throw new Error(`h2load output not understood:\n${stdout}`);
        const succeeded = Number(counts[4]);
        const failed = Number(counts[5]) + Number(counts[6]) + Number(counts[7]);
        if (failed > 0 || succeeded === 0) throw new Error(`h2load against ${target}: ${succeeded} succeeded, ${failed} failed/errored/timed out`);
        // Each call h2load counted carried a full response message, or it was a gRPC error (no message). Calls cut
        // off by the end of the window may add bytes without being counted, never remove them.
        const answered = Math.floor(Number(data[1]) / (5 + responseBytes));
        if (answered < succeeded) throw new Error(`h2load against ${target}: ${succeeded} calls answered HTTP 200 but only ${answered} carried a response message (gRPC errors)`);
        const elapsed = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
        // --log-file: start time (us since the epoch), HTTP status, microseconds to the end of the response.
        const latencies = readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .map((line) => Number(line.split('\t')[2]) / 1000)
          .sort((a, b) => a - b);
        resolve({ rps: succeeded / elapsed, p99Ms: quantile(latencies, 0.99) });
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
