/**
 * Signing in: GET /v1/auth/methods (what a sign-in screen offers); POST /v1/auth/signup, /login,
 * /refresh, /logout; the dev tokens of development mode (POST /v1/auth/dev-token); and this server's public signing keys at /.well-known/jwks.json.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AccountDeps } from '../../application/accounts/context.js';
import { signUp, signUpOpen } from '../../application/accounts/accounts.js';
import { USERNAME } from '../../domain/user/decider.js';
import { refresh, signIn, signOut } from '../../application/accounts/sign-in.js';
import { PUBLIC, WRITE, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import type { Registrations } from '../registrations.js';
import { Id, NoQuery, Position, responses } from '../schemas.js';

const DevTokenBody = Type.Object(
  {
    userId: Id,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    plan: Type.Optional(Type.Union([Type.Literal('free'), Type.Literal('premium')], { description: 'sets the plan (dev tokens only; admins set it for accounts)' })),
    country: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()], { description: 'ISO 3166-1 alpha-2; null forgets it' })),
  },
  { additionalProperties: false },
);
const DevToken = Type.Object({ token: Type.String(), userId: Type.String(), position: Type.Optional(Position) });

export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: USERNAME.source });
/** Length and characters are checked by the use case (counted in code points, control characters refused). */
export const Password = Type.String({ minLength: 1, maxLength: 4_096 });
export const DisplayName = Type.String({ minLength: 1, maxLength: 200 });
const SignUpBody = Type.Object({ username: Username, password: Password, displayName: DisplayName }, { additionalProperties: false });
const SignedUp = Type.Object({ userId: Type.String(), username: Type.String(), role: Type.String(), position: Type.Optional(Position) });
/** Sign-in takes any string up to the limits: a name that cannot exist is just a wrong one. */
const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 128 }), password: Password }, { additionalProperties: false });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const TokenPairSchema = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer(), userId: Type.String() });
const SignInMethods = Type.Object({
  devTokens: Type.Boolean({ description: 'POST /v1/auth/dev-token issues tokens now' }),
  accounts: Type.Boolean({ description: 'local accounts are served (POST /v1/auth/login)' }),
  signUp: Type.Boolean({ description: 'POST /v1/auth/signup takes a new account now (the first, an admin, or anyone with open sign-up)' }),
});
const Jwks = Type.Object({ keys: Type.Array(Type.Object({ kid: Type.String(), kty: Type.String() }, { additionalProperties: true })) });

export function accountsOf(deps: ApiDeps): AccountDeps {
  if (!deps.accounts) throw new HttpError('ACCOUNTS_UNAVAILABLE', 'local accounts are not served here');
  return deps.accounts;
}

/** The client's address, for sign-in limits (behind a proxy: with CHORUS_TRUST_PROXY). */
export const clientAddress = (request: FastifyRequest) => request.ip || 'unknown';

export async function authRoutes(app: Api, deps: ApiDeps, registrations: Registrations): Promise<void> {
  app.post(
    '/v1/auth/dev-token',
    { config: { ...WRITE, ...PUBLIC }, schema: { querystring: NoQuery, body: DevTokenBody, response: responses({ 200: DevToken }) } },
    async (request) => {
      const devTokens = deps.devTokens;
      if (!devTokens || !(await devTokens.enabled())) {
        throw new HttpError('DEV_TOKENS_DISABLED', 'development tokens are off on this server: sign in (POST /v1/auth/login) or use the identity provider');
      }
      const { userId, displayName, plan, country } = request.body;
      const position = await registrations.register(userId, displayName.trim() || userId, request.id, { plan, country });
      const token = await devTokens.issue({ userId, displayName });
      return position ? { token, userId, position } : { token, userId };
    },
  );

  // What a sign-in screen offers: no secret in it, and nothing a failed dev-token or sign-up call would not tell.
  app.get('/v1/auth/methods', { config: PUBLIC, schema: { querystring: NoQuery, response: responses({ 200: SignInMethods }) } }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    const [devTokens, signUpNow] = await Promise.all([
      deps.devTokens ? deps.devTokens.enabled() : false,
      deps.accounts ? signUpOpen(deps.accounts) : false,
    ]);
    return { devTokens, accounts: deps.accounts !== undefined, signUp: signUpNow };
  });

  app.post('/v1/auth/signup', { config: PUBLIC, schema: { querystring: NoQuery, body: SignUpBody, response: responses({ 201: SignedUp }) } }, async (request, reply) => {
    const created = await signUp(accountsOf(deps), request.body, request.id);
    const body = { userId: created.userId, username: created.username, role: created.role, ...(created.position ? { position: created.position } : {}) };
    return reply.code(201).send(body);
  });

  app.post('/v1/auth/login', { config: PUBLIC, schema: { querystring: NoQuery, body: LoginBody, response: responses({ 200: TokenPairSchema }) } }, async (request) =>
    signIn(accountsOf(deps), request.body, clientAddress(request), request.id),
  );

  app.post('/v1/auth/refresh', { config: PUBLIC, schema: { querystring: NoQuery, body: RefreshBody, response: responses({ 200: TokenPairSchema }) } }, async (request) =>
    refresh(accountsOf(deps), request.body.refreshToken),
  );

  app.post('/v1/auth/logout', { config: PUBLIC, schema: { querystring: NoQuery, body: RefreshBody, response: responses({ 204: Type.Null() }) } }, async (request, reply) => {
    await signOut(accountsOf(deps), request.body.refreshToken);
    return reply.code(204).send();
  });

  app.get('/.well-known/jwks.json', { config: PUBLIC, schema: { querystring: NoQuery, response: responses({ 200: Jwks }) } }, async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return deps.accounts ? deps.accounts.signingKeys.publicKeys() : { keys: [] };
  });
}
