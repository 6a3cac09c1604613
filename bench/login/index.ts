/**
 * `npm run bench -- login`: how long a sign-in takes with the argon2id parameters Chorus uses
 * (DEFAULT_ARGON2, or CHORUS_ARGON2_* when set), end to end over HTTP on a server started here,
 * and the hash check alone; beside it, the same check at OWASP's minimum for argon2id (19 MiB,
 * 2 passes) as the peer. Target: a sign-in between 50 and 200 ms on this machine.
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { pino } from 'pino';
import { DEFAULT_ARGON2, type Argon2Parameters } from '../../application/accounts/passwords.js';
import { loadConfig } from '../../app/config.js';
import { startChorus } from '../../app/main.js';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { log, target, writeResults } from '../lib/results.js';
import { beginRun } from '../lib/run-context.js';
import { summarize } from '../lib/stats.js';
import { measureLogin } from './measure.js';

const LOGINS = Number(process.env.BENCH_LOGIN_COUNT ?? 30);
const ARGON2ID = 2 as Algorithm;

async function hashCheck(parameters: Argon2Parameters, count: number) {
  const stored = await hash('correct horse battery staple', { algorithm: ARGON2ID, ...parameters });
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await verify(stored, 'correct horse battery staple');
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

export async function run(): Promise<void> {
  const context = await beginRun(['application/accounts', 'bench/login']);
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    CHORUS_DEMO_CATALOG: '0',
    KAFKA_BROKERS: '',
    REDIS_URL: '',
    CHORUS_DEV_TOKENS: '0',
    // One client signs in again and again: the per-address limit would stop it.
    CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS: '1000000',
    CHORUS_CREDENTIALS_KEY: Buffer.alloc(32, 1).toString('base64'),
  });
  const parameters = config.accounts.argon2;
  const db = await createTestDatabase('bench_login');
  const chorus = await startChorus({ ...config, databaseUrl: db.url, redisUrl: undefined, kafkaBrokers: undefined }, pino({ level: 'warn' }));
  try {
    const credentials = { username: 'bench', password: 'bench-password-0123' };
    const signup = await fetch(`${chorus.url}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials, displayName: 'Bench' }),
    });
    if (signup.status !== 201) throw new Error(`sign-up answered ${signup.status}`);
    log(`${LOGINS} sign-ins at m=${parameters.memoryCost} KiB, t=${parameters.timeCost}, p=${parameters.parallelism}`);
    await measureLogin(chorus.url, credentials, 3); // warm-up
    const login = await measureLogin(chorus.url, credentials, LOGINS);
    const ours = await hashCheck(parameters, LOGINS);
    const owaspMinimum: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
    const peer = await hashCheck(owaspMinimum, LOGINS);
    log(`sign-in p50 ${login.p50.toFixed(1)} ms, p95 ${login.p95.toFixed(1)} ms; hash check p50 ${ours.p50.toFixed(1)} ms; OWASP minimum ${peer.p50.toFixed(1)} ms`);
    const targets = [target('sign-in p50 >= 50 ms', login.p50, '>=', 50), target('sign-in p50 < 200 ms', login.p50, '<', 200)];
    await writeResults('login', {
      benchmark: 'login',
      startedAt: context.startedAt.toISOString(),
      machine: context.machine,
      code: context.code,
      argon2: { ...parameters, defaults: DEFAULT_ARGON2 },
      loginMs: login,
      hashCheckMs: ours,
      peer: { name: 'argon2id at OWASP minimum (19 MiB, t=2, p=1)', hashCheckMs: peer },
      targets,
    });
  } finally {
    await chorus.close();
    await db.drop();
  }
}
