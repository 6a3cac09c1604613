import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFile, type FileAnswer } from './media.js';

/** sendFile reads only the method and the headers of the request. */
const request = (headers: Record<string, string> = {}, method = 'GET') => ({ method, headers }) as unknown as IncomingMessage;
const bodyOf = async (answer: FileAnswer): Promise<Buffer> => {
  if (Buffer.isBuffer(answer.body)) return answer.body;
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
const AUDIO = { mimeType: 'audio/mp4', maxAgeSeconds: 60 };

describe('sendFile', () => {
  let dir: string;
  let path: string;
  const bytes = randomBytes(3 * 1024 * 1024 + 123);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-send-file-'));
    path = join(dir, 'big.m4a');
    await writeFile(path, bytes);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('streams a file larger than one read, whole and as a large range', async () => {
    const whole = await sendFile(request(), path, AUDIO);
    expect(whole.statusCode).toBe(200);
    expect(whole.body).toBeInstanceOf(Readable);
    expect(whole.headers['Content-Length']).toBe(String(bytes.length));
    expect((await bodyOf(whole)).equals(bytes)).toBe(true);
    const from = 100_000;
    const to = from + 2 * 1024 * 1024;
    const large = await sendFile(request({ range: `bytes=${from}-${to}` }), path, AUDIO);
    expect(large.statusCode).toBe(206);
    expect(large.headers['Content-Range']).toBe(`bytes ${from}-${to}/${bytes.length}`);
    expect((await bodyOf(large)).equals(bytes.subarray(from, to + 1))).toBe(true);
  });

  it('reads a small range at once', async () => {
    const small = await sendFile(request({ range: 'bytes=10-65545' }), path, AUDIO);
    expect(small.statusCode).toBe(206);
    expect(Buffer.isBuffer(small.body)).toBe(true);
    expect((await bodyOf(small)).equals(bytes.subarray(10, 65_546))).toBe(true);
  });

  it('answers HEAD with the length and no body', async () => {
    const head = await sendFile(request({ range: 'bytes=0-99' }, 'HEAD'), path, AUDIO);
    expect(head.statusCode).toBe(206);
    expect(head.headers['Content-Length']).toBe('100');
    expect((await bodyOf(head)).length).toBe(0);
  });

  it('keeps a range under If-Range by date only while the file is not newer; a malformed range gets the whole file', async () => {
    const first = await sendFile(request(), path, AUDIO);
    await bodyOf(first);
    const modified = first.headers['Last-Modified']!;
    const kept = await sendFile(request({ range: 'bytes=0-9', 'if-range': modified }), path, AUDIO);
    expect(kept.statusCode).toBe(206);
    const older = new Date(Date.parse(modified) - 60_000).toUTCString();
    const dropped = await sendFile(request({ range: 'bytes=0-9', 'if-range': older }), path, AUDIO);
    expect(dropped.statusCode).toBe(200);
    await bodyOf(dropped);
    const malformed = await sendFile(request({ range: 'bytes=abc' }), path, AUDIO);
    expect(malformed.statusCode).toBe(200);
    await bodyOf(malformed);
  });

  it('answers 304 to a matching If-None-Match or If-Modified-Since, unless the request says no-cache', async () => {
    const first = await sendFile(request(), path, AUDIO);
    await bodyOf(first);
    expect((await sendFile(request({ 'if-none-match': first.headers.ETag! }), path, AUDIO)).statusCode).toBe(304);
    expect((await sendFile(request({ 'if-modified-since': first.headers['Last-Modified']! }), path, AUDIO)).statusCode).toBe(304);
    const reload = await sendFile(request({ 'if-none-match': first.headers.ETag!, 'cache-control': 'no-cache' }), path, AUDIO);
    expect(reload.statusCode).toBe(200);
    await bodyOf(reload);
  });

  it('throws MEDIA_NOT_FOUND for a missing file or a folder', async () => {
    await expect(sendFile(request(), join(dir, 'missing.m4a'), AUDIO)).rejects.toMatchObject({ code: 'MEDIA_NOT_FOUND' });
    await expect(sendFile(request(), dir, AUDIO)).rejects.toMatchObject({ code: 'MEDIA_NOT_FOUND' });
  });
});
