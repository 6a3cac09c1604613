/**
 * Requests written byte for byte on a TCP socket, for what `fetch` and `ws` refuse to send: URLs
 * with broken percent-encoding, oversized headers, upgrades with any path.
 */
import net from 'node:net';

export interface RawAnswer {
  /** The status code of the answer (0: the server closed without answering). */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` (the whole HTTP text) to 127.0.0.1:`port` and reads the answer until the server closes or `timeoutMs`. */
export function rawRequest(port: number, request: string, timeoutMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      if (received) resolve(parse(received));
      else reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      // An answer with a Content-Length is complete once its body has arrived.
      const parsed = tryComplete(received);
      if (parsed) {
        clearTimeout(timer);
        socket.destroy();
        resolve(parsed);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parse(received));
    });
    socket.write(request);
  });
}

/** A WebSocket upgrade of `path` (sent as is), as the stock client would send it. */
export function rawUpgrade(port: number, path: string, extraHeaders: Record<string, string> = {}): Promise<RawAnswer> {
  const headers = {
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...extraHeaders,
  };
  return rawRequest(port, `GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
}

function tryComplete(text: string): RawAnswer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const answer = parse(text);
  const length = answer.headers['content-length'];
  if (length !== undefined && Buffer.byteLength(answer.body) >= Number(length)) return answer;
  if (answer.status === 101) return answer;
  return undefined;
}

function parse(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: end < 0 ? '' : text.slice(end + 4) };
}
