/**
 * What people change about their own account: PUT /v1/me/password, PATCH /v1/me (display name),
 * PUT|DELETE /v1/me/subsonic-password, and API keys for Subsonic apps (/v1/me/api-keys).
 */
import { Type } from '@sinclair/typebox';
import { changeDisplayName, changeOwnPassword } from '../../application/accounts/accounts.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../application/accounts/api-keys.js';
import { deleteSubsonicPassword, setSubsonicPassword } from '../../application/accounts/subsonic.js';
import { commandMetadata, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { IsoTime, NoQuery, Position, responses } from '../schemas.js';
import { accountsOf, clientAddress, DisplayName, Password, TokenPairSchema } from './auth.js';

const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false });
const ProfileBody = Type.Object({ displayName: DisplayName }, { additionalProperties: false });
const Profile = Type.Object({ userId: Type.String(), displayName: Type.String(), position: Type.Optional(Position) });
const SubsonicPasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
const ApiKeyBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
const ApiKey = Type.Object({ keyId: Type.String(), name: Type.String(), createdAt: IsoTime, lastUsedAt: Type.Union([IsoTime, Type.Null()]) });
const NewApiKey = Type.Object({ ...ApiKey.properties, apiKey: Type.String({ description: 'shown once' }) });
const KeyParams = Type.Object({ keyId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const NoContent = { 204: Type.Null() };

export async function accountRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.put(
    '/v1/me/password',
    { config: WRITE, schema: { querystring: NoQuery, body: ChangePasswordBody, response: responses({ 200: TokenPairSchema }) } },
    async (request) => changeOwnPassword(accountsOf(deps), principal(request).userId, request.body, clientAddress(request)),
  );

  app.patch('/v1/me', { config: WRITE, schema: { querystring: NoQuery, body: ProfileBody, response: responses({ 200: Profile }) } }, async (request) => {
    const { userId } = principal(request);
    const position = await changeDisplayName(accountsOf(deps), userId, request.body.displayName, commandMetadata(request));
    const displayName = request.body.displayName.trim();
    return position ? { userId, displayName, position } : { userId, displayName };
  });

  app.put(
    '/v1/me/subsonic-password',
    { config: WRITE, schema: { querystring: NoQuery, body: SubsonicPasswordBody, response: responses(NoContent) } },
    async (request, reply) => {
      await setSubsonicPassword(accountsOf(deps), principal(request).userId, request.body.password);
      return reply.code(204).send();
    },
  );

  app.delete('/v1/me/subsonic-password', { config: WRITE, schema: { querystring: NoQuery, response: responses(NoContent) } }, async (request, reply) => {
    await deleteSubsonicPassword(accountsOf(deps), principal(request).userId);
    return reply.code(204).send();
  });

  app.post('/v1/me/api-keys', { config: WRITE, schema: { querystring: NoQuery, body: ApiKeyBody, response: responses({ 201: NewApiKey }) } }, async (request, reply) => {
    const key = await createApiKey(accountsOf(deps), principal(request).userId, request.body.name);
    return reply.code(201).send(key);
  });

  app.get('/v1/me/api-keys', { schema: { querystring: NoQuery, response: responses({ 200: Type.Object({ items: Type.Array(ApiKey) }) }) } }, async (request) => ({
    items: await listApiKeys(accountsOf(deps), principal(request).userId),
  }));

  app.delete(
    '/v1/me/api-keys/:keyId',
    { config: WRITE, schema: { querystring: NoQuery, params: KeyParams, response: responses(NoContent) } },
    async (request, reply) => {
      await revokeApiKey(accountsOf(deps), principal(request).userId, request.params.keyId);
      return reply.code(204).send();
    },
  );
}
