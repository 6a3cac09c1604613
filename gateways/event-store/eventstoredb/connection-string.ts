/**
 * KurrentDB (formerly EventStoreDB) connection strings.
 *
 *   kurrentdb://[user:password@]host[:port][,host[:port]...][/][?key=value&...]   (port defaults to 2113)
 *
 * `kurrent://`, `kdb://` and the older `esdb://` are other names of the same scheme, and each has a
 * `+discover` form that finds the cluster's nodes by gossip. The client accepts every one of them,
 * but prints a deprecation warning on the console (not through our logger) for `esdb`, so the
 * adapter hands it the `kurrentdb` spelling (`clientConnectionString`).
 *
 * The node address is for tools that must stand between the client and a single node (the
 * contract fixture's TCP proxy): only strings naming one node without discovery have one.
 */
export interface NodeAddress {
  /** A name or an IP address; IPv6 without brackets. */
  host: string;
  port: number;
}

const DEFAULT_PORT = 2113;
const SCHEME = /^(?<name>esdb|kurrentdb|kurrent|kdb)(?<discover>\+discover)?:\/\//i;
const SINGLE_NODE = /^(?<scheme>esdb|kurrentdb|kurrent|kdb):\/\/(?<userinfo>[^@/?]*@)?(?<hosts>[^/?]+)(?<rest>[/?].*)?$/i;
const HOST_PORT = /^(?:\[(?<ipv6>[^\]]+)\]|(?<name>[^:[\]]+))(?::(?<port>[0-9]{1,5}))?$/;

/** The same string with the scheme spelled `kurrentdb` (or `kurrentdb+discover`); others unchanged. */
export function clientConnectionString(connectionString: string): string {
  const scheme = SCHEME.exec(connectionString);
  if (!scheme) return connectionString;
  return `kurrentdb${scheme.groups!.discover ? '+discover' : ''}://${connectionString.slice(scheme[0].length)}`;
}

/** The node of a single-node connection string; undefined for any other string. */
export function singleNodeAddress(connectionString: string): NodeAddress | undefined {
  const parts = SINGLE_NODE.exec(connectionString)?.groups;
  if (!parts || parts.hosts!.includes(',')) return undefined;
  const address = HOST_PORT.exec(parts.hosts!)?.groups;
  if (!address) return undefined;
  const port = address.port === undefined ? DEFAULT_PORT : Number(address.port);
  if (port < 1 || port > 65_535) return undefined;
  return { host: address.ipv6 ?? address.name!, port };
}

/** The same connection string (scheme, credentials and options kept) pointing at another node. */
export function withNodeAddress(connectionString: string, node: NodeAddress): string {
  const parts = singleNodeAddress(connectionString) ? SINGLE_NODE.exec(connectionString)?.groups : undefined;
  if (!parts) throw new Error('not a single-node connection string (kurrentdb://host:port, no +discover)');
  const host = node.host.includes(':') ? `[${node.host}]` : node.host;
  return `${parts.scheme}://${parts.userinfo ?? ''}${host}:${node.port}${parts.rest ?? ''}`;
}
