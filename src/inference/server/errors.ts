/** Errors of the server and how they map to HTTP status codes (gRPC codes are derived from these, grpc/status.ts). */
import { InputError } from '../tensor-input.js';
import { RepositoryError } from './repository.js';

/** An error with the HTTP status it answers with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP status for an error: 4xx for the client's mistakes, 503 for a stopping worker or an unavailable model.
 * @param error - Any error thrown while handling a request.
 */
export function statusOf(error: Error): number {
  if (error instanceof InputError) return 400;
  if (error instanceof RepositoryError) return error.kind === 'not-found' ? 404 : 400;
  const code = (error as { statusCode?: unknown }).statusCode;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  if (error.message.startsWith('onnxruntime:')) return 400; // the session rejected values that passed our checks
  if (error.message.startsWith('inference worker stopped')) return 503;
  return 500;
}

/**
 * The message a client sees: the reason for 4xx/503, a generic text for internal errors.
 * @param error - The error.
 * @param status - statusOf(error).
 */
export function clientMessage(error: Error, status: number): string {
  if (error.message.startsWith('onnxruntime:')) return `the model could not run on this input (${error.message})`;
  if (status >= 500 && status !== 503 && status !== 501) return 'internal server error';
  return error.message;
}
