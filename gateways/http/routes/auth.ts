/** POST /v1/auth/dev-token: a token for any user, in development mode only. */
import { Type } from '@sinclair/typebox';
import { WRITE } from '../app.js';
import type { Api, ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import type { Registrations } from '../registrations.js';
import { Id, Position, responses, NoQuery } from '../schemas.js';

const DevTokenBody = Type.Object(
  { userId: Id, displayName: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const DevToken = Type.Object({ token: Type.String(), userId: Type.String(), position: Type.Optional(Position) });

export async function authRoutes(app: Api, deps: ApiDeps, registrations: Registrations): Promise<void> {
  app.post(
    '/v1/auth/dev-token',
    { config: WRITE, schema: { querystring: NoQuery, body: DevTokenBody, response: responses({ 200: DevToken }) } },
    async (request) => {
      const issue = deps.auth.issue;
      if (deps.auth.mode !== 'dev' || !issue) {
        throw new HttpError('DEV_TOKENS_DISABLED', 'development tokens are off: sign in with the identity provider');
      }
      const { userId, displayName } = request.body;
      const position = await registrations.register(userId, displayName.trim() || userId, request.id);
      const token = await issue({ userId, displayName });
      return position ? { token, userId, position } : { token, userId };
    },
  );
}
