/**
 * Admins manage users: GET|POST /v1/admin/users, GET|PATCH|DELETE /v1/admin/users/:id and
 * PUT /v1/admin/users/:id/password. Every route checks that the caller is an admin (from their
 * stream, so a demotion takes effect at once).
 */
import { Type } from '@sinclair/typebox';
import { createUser, setPassword } from '../../application/accounts/accounts.js';
import { changeUser, removeUser, requireAdmin } from '../../application/accounts/admin.js';
import { getUser, listUsers, type User } from '../../projections/sql/users.js';
import { awaitAfter, commandMetadata, noContent, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { After, IdParams, IsoTime, NoQuery, Page, Paging, Position, responses } from '../schemas.js';
import { accountsOf, DisplayName, Password, Username } from './auth.js';

const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);
const Plan = Type.Union([Type.Literal('free'), Type.Literal('premium')]);
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' });
const UserView = Type.Object({
  userId: Type.String(),
  username: Type.Optional(Type.String()),
  displayName: Type.String(),
  role: Role,
  plan: Plan,
  country: Type.Union([Country, Type.Null()]),
  registeredAt: IsoTime,
});
const CreateBody = Type.Object(
  { username: Username, password: Password, displayName: DisplayName, role: Type.Optional(Role), plan: Type.Optional(Plan), country: Type.Optional(Country) },
  { additionalProperties: false },
);
const Created = Type.Object({ userId: Type.String(), username: Type.String(), role: Role, position: Type.Optional(Position) });
const ChangeBody = Type.Object(
  { role: Type.Optional(Role), plan: Type.Optional(Plan), country: Type.Optional(Type.Union([Country, Type.Null()])), displayName: Type.Optional(DisplayName) },
  { additionalProperties: false, minProperties: 1 },
);
const Changed = Type.Object({ userId: Type.String(), position: Type.Optional(Position) });
const PasswordBody = Type.Object({ password: Password }, { additionalProperties: false });

const view = (u: User) => ({
  userId: u.id,
  ...(u.username ? { username: u.username } : {}),
  displayName: u.displayName,
  role: u.role,
  plan: u.plan,
  country: u.country,
  registeredAt: u.registeredAt,
});

export async function adminUserRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.url?.startsWith('/v1/admin/')) await requireAdmin(deps, principal(request).userId);
  });

  app.get('/v1/admin/users', { schema: { querystring: Paging, response: responses({ 200: Page(UserView) }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['users']);
    const page = await listUsers(deps.sql, request.query);
    return { items: page.items.map(view), total: page.total };
  });

  app.post('/v1/admin/users', { config: WRITE, schema: { querystring: NoQuery, body: CreateBody, response: responses({ 201: Created }) } }, async (request, reply) => {
    const created = await createUser(accountsOf(deps), request.body, commandMetadata(request));
    return reply.code(201).send({ userId: created.userId, username: created.username, role: created.role, ...(created.position ? { position: created.position } : {}) });
  });

  app.get('/v1/admin/users/:id', { schema: { params: IdParams, querystring: After, response: responses({ 200: UserView }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['users']);
    const user = await getUser(deps.sql, request.params.id);
    if (!user) throw new HttpError('USER_NOT_FOUND', `no user ${request.params.id}`);
    return view(user);
  });

  app.patch(
    '/v1/admin/users/:id',
    { config: WRITE, schema: { params: IdParams, querystring: NoQuery, body: ChangeBody, response: responses({ 200: Changed }) } },
    async (request) => {
      const position = await changeUser(accountsOf(deps), request.params.id, request.body, commandMetadata(request));
      return position ? { userId: request.params.id, position } : { userId: request.params.id };
    },
  );

  app.delete('/v1/admin/users/:id', { config: WRITE, schema: { params: IdParams, querystring: NoQuery, response: responses({ 204: Type.Null() }) } }, async (request, reply) =>
    noContent(reply, await removeUser(accountsOf(deps), request.params.id, commandMetadata(request))),
  );

  app.put(
    '/v1/admin/users/:id/password',
    { config: WRITE, schema: { params: IdParams, querystring: NoQuery, body: PasswordBody, response: responses({ 204: Type.Null() }) } },
    async (request, reply) => {
      await setPassword(accountsOf(deps), request.params.id, request.body.password);
      return reply.code(204).send();
    },
  );
}
