/** Prometheus metrics of the server (prom-client, own registry): requests, failures, latency, batches, queue time. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'twinml_http_requests_total',
    help: 'HTTP requests by route template and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly grpcRequests = new Counter({
    name: 'twinml_grpc_requests_total',
    help: 'gRPC calls by method and status code',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });
  readonly inferRequests = new Counter({
    name: 'twinml_inference_requests_total',
    help: 'Inference requests by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });
  readonly inferFailures = new Counter({
    name: 'twinml_inference_failures_total',
    help: 'Inference requests that failed, by model, version and reason (client or server)',
    labelNames: ['model', 'version', 'reason'] as const,
    registers: [this.registry],
  });
  readonly inferLatency = new Histogram({
    name: 'twinml_inference_request_duration_seconds',
    help: 'Time from receiving an inference request to sending the response',
    labelNames: ['model', 'version'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'twinml_batch_size',
    help: 'Rows per session run (after dynamic batching)',
    labelNames: ['model', 'version'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly queueTime = new Histogram({
    name: 'twinml_queue_time_seconds',
    help: 'Time a request waited in the batching queue',
    labelNames: ['model', 'version'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twinml_' });
  }
}
