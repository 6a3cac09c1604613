import {
  AccessDeniedError,
  CancelledError,
  MaxAppendSizeExceededError,
  StreamDeletedError as DriverStreamDeletedError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import {
  EventStoreUnavailableError,
  InvalidInputError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../errors.js';
import { GRPC_INTERNAL, GRPC_UNAVAILABLE, isConnectionFailure, translateDriverError } from './driver-errors.js';

function grpcError(code: number | string): Error {
  return Object.assign(new Error(`status ${code}`), { code });
}

describe('translateDriverError', () => {
  it('carries the actual revision of a wrong expected version', () => {
    const wrong = (current: bigint | 'no_stream') =>
      translateDriverError(new WrongExpectedVersionError(undefined, { streamName: 'playlist-1', expected: 4n, current }), {
        stream: 'playlist-1',
        expected: 4n,
      });
    expect(wrong(7n)).toBeInstanceOf(WrongExpectedRevisionError);
    expect(wrong(7n)).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', stream: 'playlist-1', expected: 4n, actual: 7n });
    expect(wrong('no_stream')).toMatchObject({ actual: 'no_stream' });
    expect(wrong(-1n)).toMatchObject({ actual: 'no_stream' });
  });

  it('translates deleted streams and oversized batches', () => {
    expect(translateDriverError(DriverStreamDeletedError.fromStreamName('playlist-1'))).toEqual(
      new StreamDeletedError('playlist-1'),
    );
    const tooLarge = translateDriverError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), { stream: 'playlist-1' });
    expect(tooLarge).toBeInstanceOf(InvalidInputError);
    expect(tooLarge).toMatchObject({ code: 'BATCH_TOO_LARGE' });
  });

  it('turns connection failures into EventStoreUnavailableError, keeping the cause', () => {
    for (const error of [new UnavailableError(), new CancelledError(), grpcError(GRPC_UNAVAILABLE), grpcError('ECONNRESET')]) {
      const translated = translateDriverError(error);
      expect(translated).toBeInstanceOf(EventStoreUnavailableError);
      expect((translated as EventStoreUnavailableError).cause).toBe(error);
    }
  });

  it('leaves refusals and port errors as they are', () => {
    const denied = new AccessDeniedError();
    expect(translateDriverError(denied)).toBe(denied);
    const invalid = grpcError(3);
    expect(translateDriverError(invalid)).toBe(invalid);
    const portError = new StreamDeletedError('playlist-1');
    expect(translateDriverError(portError)).toBe(portError);
  });
});

describe('isConnectionFailure', () => {
  it('reads the gRPC status of unconverted and unknown errors', () => {
    expect(isConnectionFailure(Object.assign(new UnknownError(), { code: GRPC_INTERNAL }))).toBe(true);
    expect(isConnectionFailure(new UnknownError())).toBe(false);
    expect(isConnectionFailure(grpcError(5))).toBe(false);
    expect(isConnectionFailure('ECONNRESET')).toBe(false);
  });
});
