/**
 * What the HTTP edge does before any route runs, for requests that never reach one as well: the
 * request id (a client's X-Request-Id is kept only when it is a plain token, since it becomes the
 * correlation id of events and appears in logs), answers to requests Node or the router refuse
 * (headers too large, broken HTTP, a URL that does not decode, a parameter too long) in the same
 * error envelope as every other answer, and the text check of everything a request carries.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { findUnsafeText } from '../application/text.js';
import { ERROR_CODES, HttpError, type ErrorBody, type ErrorCode } from './errors.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A request id a client may choose: 1-128 letters, digits and . _ : - (a UUID, a trace id). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's request id when it is a plain token, else a new UUID. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function errorBody(code: ErrorCode, message: string): string {
  const body: ErrorBody = { error: { code, message } };
  return JSON.stringify(body);
}

/**
 * Node's answer to a request it could not parse (Fastify's clientErrorHandler): headers over the
 * limit are 431 REQUEST_HEADERS_TOO_LARGE, anything else 400 VALIDATION_FAILED, enveloped.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = error.code === 'HPE_HEADER_OVERFLOW' ? 'REQUEST_HEADERS_TOO_LARGE' : 'VALIDATION_FAILED';
  const message = code === 'REQUEST_HEADERS_TOO_LARGE' ? 'the request headers (or the URL) are too large' : 'the request is not valid HTTP';
  const body = errorBody(code, message);
  const status = ERROR_CODES[code].status;
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${REQUEST_ID_HEADER}: ${randomUUID()}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Fastify's frameworkErrors: a URL that does not decode, a path parameter over the limit. */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const http =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new HttpError('URL_TOO_LONG', 'a path parameter is over 256 characters')
      : new HttpError('VALIDATION_FAILED', 'the URL is not valid (a percent-encoding that does not decode to text)');
  request.log.info({ code: http.code, fastify: error.code }, 'request refused');
  reply.code(http.status).header(REQUEST_ID_HEADER, request.id).type('application/json; charset=utf-8').send(errorBody(http.code, http.message));
}

/**
 * The text check of a request (NUL, lone surrogates) in its body, query and path parameters, run
 * before schema validation: a refusal is 400 VALIDATION_FAILED and nothing is done.
 */
export async function checkRequestText(request: FastifyRequest): Promise<void> {
  const unsafe =
    findUnsafeText(request.params, 'params') ?? findUnsafeText(request.query, 'query') ?? findUnsafeText(request.body, 'body');
  if (unsafe) throw new HttpError('VALIDATION_FAILED', `${unsafe.path} ${unsafe.problem}`);
}
