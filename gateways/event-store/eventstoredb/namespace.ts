/**
 * Several stores can share one EventStoreDB. A store with a namespace keeps its streams as
 * `<namespace>/<stream>` and sees only those, as if it had the server to itself (the contract
 * fixture gives each store its own, as the Postgres fixture gives each its own database). A store
 * without one stores names as they are and sees every stream that is not a system stream.
 */
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface Namespace {
  /** What every stored stream name of the store starts with ('' without a namespace). */
  readonly prefix: string;
  toStored(stream: string): string;
  /** The store's name for a stored stream; undefined when the stream belongs to another namespace. */
  fromStored(stored: string): string | undefined;
}

export function namespace(name: string | undefined): Namespace {
  if (name === undefined || name === '') {
    return { prefix: '', toStored: (stream) => stream, fromStored: (stored) => stored };
  }
  if (!NAMESPACE.test(name)) {
    throw new Error(`invalid namespace ${JSON.stringify(name)}: expected ${NAMESPACE.source}`);
  }
  const prefix = `${name}/`;
  return {
    prefix,
    toStored: (stream) => prefix + stream,
    fromStored: (stored) => (stored.startsWith(prefix) ? stored.slice(prefix.length) : undefined),
  };
}
