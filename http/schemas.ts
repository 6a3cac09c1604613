/** Schemas shared by the routes (TypeBox): ids, paging, read-your-writes, errors. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.js';
import { ID_SOURCE } from '../domain/shared/ids.js';

const ID = ID_SOURCE;
export const Id = Type.String({ pattern: `^${ID}$`, description: 'an id: letters, digits, ._:@-' });
/** Up to 50 comma-separated ids (`?ids=a,b,c`). */
export const IdList = Type.String({ pattern: `^${ID}(,${ID}){0,49}$`, maxLength: 50 * 129, description: 'comma-separated ids, at most 50' });
export const IsoTime = Type.String({ format: 'date-time' });
export const Position = Type.String({ minLength: 1, maxLength: 64, description: 'opaque; pass it back as it is' });

export const After = Type.Object({ after: Type.Optional(Position) }, { additionalProperties: false });
export const Paging = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
    after: Type.Optional(Position),
  },
  { additionalProperties: false },
);
export type PagingQuery = Static<typeof Paging>;

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
/** Write routes take no query parameters. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** The error envelope; a shared schema (added to the app by openapi.ts), referenced by every route. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.keys(ERROR_CODES).map((code) => Type.Literal(code)), { description: 'stable; see the README\'s error table' }),
      message: Type.String({ description: 'for people; may change' }),
    }),
  },
  { $id: 'ErrorBody', description: 'what every 4xx and 5xx answer carries' },
);

/** Responses of a route: its success schema plus the error body for every 4xx/5xx. */
export function responses(success: Record<number, TSchema>): Record<number | string, TSchema> {
  const error = Type.Unsafe<Static<typeof ErrorBody>>(Type.Ref('ErrorBody'));
  return { ...success, '4xx': error, '5xx': error };
}

export const PositionOnly = Type.Object({ position: Position });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Optional(Type.Integer()), next: Type.Optional(Type.String()) });
