/**
 * GET /v1/charts/tracks?window=day|week|all&genre=&limit= : most played tracks (plays of 30 s or more);
 * with `genre`, the tracks of that genre only, counted by the recommendations model.
 */
import { Type } from '@sinclair/typebox';
import { CHART_WINDOWS, topTracks } from '../../projections/cache/charts.js';
import { awaitAfter, type Api, type ApiDeps } from '../context.js';
import { Page, Position, responses } from '../schemas.js';
import { awaitModel, recommendationsOf } from './recommendations.js';

const ChartQuery = Type.Object(
  {
    window: Type.Optional(Type.Union(CHART_WINDOWS.map((w) => Type.Literal(w)), { default: 'week' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    genre: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '\\S', description: 'only tracks of this genre' })),
    after: Type.Optional(Position),
  },
  { additionalProperties: false },
);
const ChartEntry = Type.Object({ trackId: Type.String(), plays: Type.Integer() });

export async function chartRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.get('/v1/charts/tracks', { schema: { querystring: ChartQuery, response: responses({ 200: Page(ChartEntry) }) } }, async (request) => {
    const { genre } = request.query;
    if (genre !== undefined) {
      await awaitModel(deps, request.query.after);
      const items = recommendationsOf(deps).genreChart(genre.trim().toLowerCase(), request.query.window ?? 'week', request.query.limit ?? 20, deps.now().getTime());
      return { items };
    }
    await awaitAfter(deps, request.query.after, ['charts']);
    const items = await topTracks(deps.cache, deps.projections.cacheKeys('charts'), {
      window: request.query.window ?? 'week',
      limit: request.query.limit ?? 20,
      now: deps.now(),
    });
    return { items };
  });
}
