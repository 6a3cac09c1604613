import { describe, expect, it } from 'vitest';
import { clientConnectionString, singleNodeAddress, withNodeAddress } from './connection-string.js';

describe('singleNodeAddress', () => {
  it('finds the one node of an esdb:// string', () => {
    expect(singleNodeAddress('esdb://eventstore:2113?tls=false')).toEqual({ host: 'eventstore', port: 2113 });
    expect(singleNodeAddress('esdb://admin:changeit@localhost:1113/?tls=false')).toEqual({ host: 'localhost', port: 1113 });
    expect(singleNodeAddress('esdb://localhost')).toEqual({ host: 'localhost', port: 2113 });
    expect(singleNodeAddress('esdb://[::1]:2113?tls=false')).toEqual({ host: '::1', port: 2113 });
  });

  it('finds the one node of a kurrentdb://, kurrent:// or kdb:// string', () => {
    expect(singleNodeAddress('kurrentdb://kurrentdb:2113?tls=false')).toEqual({ host: 'kurrentdb', port: 2113 });
    expect(singleNodeAddress('kurrent://admin:changeit@localhost:1113/?tls=false')).toEqual({ host: 'localhost', port: 1113 });
    expect(singleNodeAddress('kdb://localhost')).toEqual({ host: 'localhost', port: 2113 });
  });

  it('declines discovery, clusters and other strings', () => {
    expect(singleNodeAddress('esdb+discover://cluster.local:2113')).toBeUndefined();
    expect(singleNodeAddress('kurrentdb+discover://cluster.local:2113')).toBeUndefined();
    expect(singleNodeAddress('esdb://a:2113,b:2113,c:2113?tls=false')).toBeUndefined();
    expect(singleNodeAddress('kurrentdb://a:2113,b:2113?tls=false')).toBeUndefined();
    expect(singleNodeAddress('postgres://localhost:5432/chorus')).toBeUndefined();
    expect(singleNodeAddress('esdb://localhost:99999')).toBeUndefined();
  });
});

describe('withNodeAddress', () => {
  it('swaps the node and keeps the scheme, credentials and options', () => {
    expect(withNodeAddress('esdb://admin:changeit@eventstore:2113/?tls=false&defaultDeadline=5000', { host: '127.0.0.1', port: 40_001 })).toBe(
      'esdb://admin:changeit@127.0.0.1:40001/?tls=false&defaultDeadline=5000',
    );
    expect(withNodeAddress('esdb://eventstore', { host: '::1', port: 40_001 })).toBe('esdb://[::1]:40001');
    expect(withNodeAddress('kurrentdb://kurrentdb:2113?tls=false', { host: '127.0.0.1', port: 40_001 })).toBe(
      'kurrentdb://127.0.0.1:40001?tls=false',
    );
  });

  it('refuses strings it cannot rewrite', () => {
    expect(() => withNodeAddress('esdb+discover://cluster.local', { host: '127.0.0.1', port: 1 })).toThrow();
    expect(() => withNodeAddress('kurrentdb://a:1,b:2', { host: '127.0.0.1', port: 1 })).toThrow();
  });
});

describe('clientConnectionString', () => {
  it('spells every scheme name as kurrentdb, keeping discovery and the rest of the string', () => {
    expect(clientConnectionString('esdb://admin:changeit@eventstore:2113?tls=false')).toBe('kurrentdb://admin:changeit@eventstore:2113?tls=false');
    expect(clientConnectionString('esdb+discover://cluster.local:2113')).toBe('kurrentdb+discover://cluster.local:2113');
    expect(clientConnectionString('kdb://a:2113,b:2113?tls=false')).toBe('kurrentdb://a:2113,b:2113?tls=false');
    expect(clientConnectionString('kurrent+discover://c')).toBe('kurrentdb+discover://c');
    expect(clientConnectionString('kurrentdb://k:2113')).toBe('kurrentdb://k:2113');
  });

  it('leaves other strings alone', () => {
    expect(clientConnectionString('postgres://localhost/chorus')).toBe('postgres://localhost/chorus');
  });
});

