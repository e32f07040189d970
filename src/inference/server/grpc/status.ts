/** gRPC status codes for the server's errors (from their HTTP status, errors.ts). */
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { clientMessage, statusOf } from '../errors.js';

const BY_HTTP: Record<number, GrpcStatus> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  404: GrpcStatus.NOT_FOUND,
  408: GrpcStatus.DEADLINE_EXCEEDED,
  413: GrpcStatus.RESOURCE_EXHAUSTED,
  501: GrpcStatus.UNIMPLEMENTED,
  503: GrpcStatus.UNAVAILABLE,
};

/**
 * The gRPC error for an error thrown by a handler: INVALID_ARGUMENT for bad input, NOT_FOUND for unknown models,
 * UNAVAILABLE for unavailable ones or a stopping server, INTERNAL (with a generic text) otherwise.
 * @param error - The thrown error.
 */
export function toGrpcError(error: Error): Partial<ServiceError> {
  const http = statusOf(error);
  const code = BY_HTTP[http] ?? (http >= 400 && http < 500 ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus.INTERNAL);
  return { code, details: clientMessage(error, http), metadata: new Metadata() };
}
