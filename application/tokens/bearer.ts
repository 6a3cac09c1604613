/** The one reader of `Authorization: Bearer <token>` headers, for every edge (HTTP, the sync server's upgrade). */

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined when the header is missing or of another scheme. */
export function parseBearer(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}
