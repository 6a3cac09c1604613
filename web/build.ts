/**
 * Builds the browser client (Vite) into web/dist when it is missing or stale: `npm ci` runs it
 * (the `prepare` script) and `npm start` checks it, so a fresh clone serves the client with no
 * other command. "Stale" means the hash of the client's inputs (web/, the domain code it
 * imports, the lock file) differs from the one the build recorded in dist/build.json.
 *
 * Builds go to a temporary folder and replace dist/ in two renames, under a lock folder, so
 * two processes starting at once never serve (or write) a half-built client. Every asset also
 * gets .gz and .br siblings, which the server sends to browsers that accept them.
 *
 *   npx tsx web/build.ts            build if stale (what `prepare` runs)
 *   npx tsx web/build.ts --force    build anyway
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { build as viteBuild } from 'vite';

const WEB = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(WEB);
export const WEB_DIST = join(WEB, 'dist');
const LOCK = join(WEB, '.build-lock');
const MANIFEST = 'build.json';

/** What the build recorded: its inputs' hash and each file's size, raw and gzipped. */
export interface BuildManifest {
  sourceHash: string;
  builtAt: string;
  files: Record<string, { bytes: number; gzip: number; brotli: number }>;
}

export type BuildState = { kind: 'fresh'; manifest: BuildManifest } | { kind: 'stale' | 'missing'; sourceHash: string } | { kind: 'prebuilt' };

async function walk(dir: string, skip: (path: string) => boolean): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) out.push(...(await walk(path, skip)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The hash of everything the build reads; undefined when the sources are not here (an image with dist only). */
export async function sourceHash(): Promise<string | undefined> {
  if (!existsSync(join(WEB, 'src'))) return undefined;
  // Not the build's own output, its lock and temporary folders, nor tests.
  const skip = (path: string) => {
    const parts = relative(ROOT, path).split(/[\\/]/);
    return parts.some((p) => p.startsWith('.') || p === 'node_modules') || (parts[0] === 'web' && parts[1] === 'dist') || path.endsWith('.test.ts');
  };
  const files = [
    ...(await walk(WEB, skip)),
    ...(await walk(join(ROOT, 'domain'), skip)),
    join(ROOT, 'package-lock.json'),
  ]
    .filter((f) => existsSync(f))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(ROOT, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export async function readManifest(dist = WEB_DIST): Promise<BuildManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dist, MANIFEST), 'utf8')) as BuildManifest;
  } catch {
    return undefined;
  }
}

export async function buildState(): Promise<BuildState> {
  const [hash, manifest] = await Promise.all([sourceHash(), readManifest()]);
  const built = manifest && existsSync(join(WEB_DIST, 'index.html'));
  if (hash === undefined) return built ? { kind: 'fresh', manifest } : { kind: 'prebuilt' };
  if (!built) return { kind: 'missing', sourceHash: hash };
  return manifest.sourceHash === hash ? { kind: 'fresh', manifest } : { kind: 'stale', sourceHash: hash };
}

async function takeLock(timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK);
      return () => rm(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a build that was killed is taken over after two minutes.
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 120_000) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`web build: ${LOCK} is held by another build`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Gzip and brotli siblings of the text assets, and the manifest. */
async function finish(dir: string, hash: string): Promise<BuildManifest> {
  const files: BuildManifest['files'] = {};
  for (const file of await walk(dir, () => false)) {
    const name = relative(dir, file).split('\\').join('/');
    const body = await readFile(file);
    const gzip = gzipSync(body, { level: 9 });
    const brotli = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    files[name] = { bytes: body.length, gzip: gzip.length, brotli: brotli.length };
    if (/\.(js|css|html|svg|json|webmanifest)$/.test(name) && body.length > 512) {
      await writeFile(`${file}.gz`, gzip);
      await writeFile(`${file}.br`, brotli);
    }
  }
  const manifest: BuildManifest = { sourceHash: hash, builtAt: new Date().toISOString(), files };
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export interface EnsureResult {
  /** The folder to serve, or undefined when there is no build and none can be made here. */
  dir: string | undefined;
  built: boolean;
  reason?: string;
}

/** Builds web/dist if it is missing or stale (and Vite is installed); says what it did. */
export async function ensureWebBuild(options: { force?: boolean; log?: (message: string) => void } = {}): Promise<EnsureResult> {
  const log = options.log ?? (() => undefined);
  let state = await buildState();
  if (state.kind === 'prebuilt') return { dir: undefined, built: false, reason: 'the client is neither built nor buildable here (no web/src)' };
  if (state.kind === 'fresh' && !options.force) return { dir: WEB_DIST, built: false };
  let build: typeof viteBuild;
  try {
    ({ build } = await import('vite'));
  } catch {
    const reason = 'Vite is not installed (npm ci --omit=dev?): the web client cannot be built here';
    return existsSync(join(WEB_DIST, 'index.html')) ? { dir: WEB_DIST, built: false, reason: `${reason}; serving the stale build` } : { dir: undefined, built: false, reason };
  }
  const release = await takeLock(180_000);
  try {
    // Another process may have built it while this one waited for the lock.
    state = await buildState();
    if (state.kind === 'fresh' && !options.force) return { dir: WEB_DIST, built: false };
    const hash = state.kind === 'fresh' ? state.manifest.sourceHash : state.kind === 'prebuilt' ? '' : state.sourceHash;
    log(`building the web client (${state.kind})…`);
    const started = Date.now();
    const out = join(WEB, `.dist-${process.pid}-${Date.now()}`);
    await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
    await finish(out, hash);
    const old = join(WEB, `.dist-old-${process.pid}-${Date.now()}`);
    if (existsSync(WEB_DIST)) await rename(WEB_DIST, old);
    await rename(out, WEB_DIST);
    await rm(old, { recursive: true, force: true });
    log(`web client built in ${Date.now() - started} ms`);
    return { dir: WEB_DIST, built: true };
  } finally {
    await release();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureWebBuild({ force: process.argv.includes('--force'), log: (m) => console.error(`web: ${m}`) }).then(
    (result) => {
      if (!result.dir) console.error(`web: ${result.reason}`);
      else if (!result.built) console.error(`web: the client in web/dist is up to date${result.reason ? ` (${result.reason})` : ''}`);
    },
    (error: unknown) => {
      console.error(`web: build failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
