/**
 * The node address in an EventStoreDB connection string, for tools that must stand between the
 * client and a single node (the contract fixture's TCP proxy). Only `esdb://` strings naming one
 * node are handled: `esdb+discover://` and clusters (several hosts) gossip for their nodes.
 *
 *   esdb://[user:password@]host[:port][/][?key=value&...]      (port defaults to 2113)
 */
export interface NodeAddress {
  /** A name or an IP address; IPv6 without brackets. */
  host: string;
  port: number;
}

const DEFAULT_PORT = 2113;
const SINGLE_NODE = /^esdb:\/\/(?<userinfo>[^@/?]*@)?(?<hosts>[^/?]+)(?<rest>[/?].*)?$/i;
const HOST_PORT = /^(?:\[(?<ipv6>[^\]]+)\]|(?<name>[^:[\]]+))(?::(?<port>[0-9]{1,5}))?$/;

/** The node of a single-node `esdb://` connection string; undefined for any other string. */
export function singleNodeAddress(connectionString: string): NodeAddress | undefined {
  const parts = SINGLE_NODE.exec(connectionString)?.groups;
  if (!parts || parts.hosts!.includes(',')) return undefined;
  const address = HOST_PORT.exec(parts.hosts!)?.groups;
  if (!address) return undefined;
  const port = address.port === undefined ? DEFAULT_PORT : Number(address.port);
  if (port < 1 || port > 65_535) return undefined;
  return { host: address.ipv6 ?? address.name!, port };
}

/** The same connection string (credentials and options kept) pointing at another node. */
export function withNodeAddress(connectionString: string, node: NodeAddress): string {
  const parts = singleNodeAddress(connectionString) ? SINGLE_NODE.exec(connectionString)?.groups : undefined;
  if (!parts) throw new Error('not a single-node esdb:// connection string');
  const host = node.host.includes(':') ? `[${node.host}]` : node.host;
  return `esdb://${parts.userinfo ?? ''}${host}:${node.port}${parts.rest ?? ''}`;
}
