/** Schemas shared by the routes (TypeBox): ids, paging, read-your-writes, errors. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.js';

export const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$', description: 'an id: letters, digits, ._:@-' });
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

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.Union(Object.keys(ERROR_CODES).map((code) => Type.Literal(code))), message: Type.String() }),
});

/** Responses of a route: its success schema plus the error body for every 4xx/5xx. */
export function responses(success: Record<number, TSchema>): Record<number | string, TSchema> {
  return { ...success, '4xx': ErrorBody, '5xx': ErrorBody };
}

export const PositionOnly = Type.Object({ position: Position });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Optional(Type.Integer()), next: Type.Optional(Type.String()) });
